"""What the demo draws from: names, places, needs, restrictions, complaints and the
shape of a day's calls. Plain data, kept apart from the builder."""

FIRST_NAMES = (
    "Ailsa", "Alastair", "Alison", "Andrew", "Angus", "Anne", "Archie", "Callum", "Catriona",
    "Claire", "Craig", "David", "Derek", "Donald", "Duncan", "Eilidh", "Elaine", "Elizabeth",
    "Ewan", "Fiona", "Gordon", "Graeme", "Hamish", "Heather", "Iain", "Isla", "Isobel", "Jack",
    "James", "Janet", "Jean", "Jennifer", "John", "Karen", "Katie", "Keith", "Kenneth", "Kirsty",
    "Lachlan", "Lesley", "Lewis", "Lorna", "Lynne", "Malcolm", "Margaret", "Marion", "Martin",
    "Mhairi", "Moira", "Morag", "Murray", "Neil", "Niamh", "Olivia", "Paul", "Rhona", "Robert",
    "Ross", "Ruth", "Sandra", "Scott", "Shona", "Stuart", "Susan", "Thomas", "Wendy", "William",
)  # fmt: skip
SURNAMES = (
    "Anderson", "Bell", "Brown", "Brydon", "Burns", "Campbell", "Cockburn", "Cranston", "Crawford",
    "Dickson", "Douglas", "Elliot", "Fairbairn", "Fleming", "Forbes", "Gibson", "Gray", "Hall",
    "Hastie", "Henderson", "Hogg", "Hume", "Hunter", "Johnstone", "Kerr", "Laidlaw", "Lauder",
    "Lyall", "Mackay", "Marshall", "Mitchell", "Murray", "Nisbet", "Oliver", "Paterson", "Purves",
    "Rae", "Redpath", "Renton", "Robson", "Rutherford", "Scott", "Shiel", "Smith", "Stewart",
    "Tait", "Thomson", "Turnbull", "Wallace", "Watson", "Wilson", "Young",
)  # fmt: skip
# (name, interpreter language, written language)
INTERPRETED = (
    ("Zofia Nowak", "Polish", "Polish"),
    ("Piotr Kowalski", "Polish", ""),
    ("Andrei Popescu", "Romanian", "Romanian"),
    ("Olena Shevchenko", "Ukrainian", "Ukrainian"),
    ("Mohammed Haddad", "Arabic", ""),
)
TOWNS = (
    ("Eyemouth", "TD14"), ("Duns", "TD11"), ("Coldstream", "TD12"), ("Chirnside", "TD11"),
    ("Coldingham", "TD14"), ("Ayton", "TD14"), ("Reston", "TD14"), ("Greenlaw", "TD10"),
    ("Lauder", "TD2"), ("Earlston", "TD4"), ("Cockburnspath", "TD13"), ("Swinton", "TD11"),
    ("St Abbs", "TD14"), ("Westruther", "TD3"), ("Gordon", "TD3"), ("Kelso", "TD5"),
    ("Grantshouse", "TD11"), ("Allanton", "TD11"),
)  # fmt: skip
STREETS = (
    "High Street", "Church Street", "Station Road", "Market Square", "Victoria Road", "Home Park",
    "Gillsland", "Hallidown Crescent", "Bridge Street", "Queens Road", "Kirk Lane",
    "Castle Street", "Harbour Road", "Newtown Street", "Millbank", "Priory View",
    "Murray Crescent", "Blackadder Drive", "Crosshall Road", "Tweed Terrace", "Berwick Road",
)  # fmt: skip
RESTRICTIONS = (
    (
        "contact by letter or email only: no telephone calls",
        "abusive telephone calls to staff (unacceptable behaviour policy)",
    ),
    (
        "two staff members at any home visit",
        "threatening behaviour towards a member of staff at a home visit",
    ),
    (
        "calls handled by the team lead only, at most one call a day",
        "repeated unreasonable demands taking up staff time",
    ),
)

NOTES: dict[str, tuple[str, ...]] = {
    "rent": (
        "Asked for rent balance", "Arranging a payment plan",
        "Universal Credit housing costs query",
        "Direct debit date change", "Asked for a rent statement",
    ),
    "tenancy": (
        "Asked about a tenancy assignation", "Wants to add partner to tenancy",
        "Ending tenancy: four weeks' notice", "Permission for a pet",
        "Asked about a mutual exchange",
    ),
    "housing-registration": (
        "Asked how to apply for housing", "Update to housing application: new baby",
        "Asked about position on the list", "Medical priority form requested",
    ),
    "estate": (
        "Overgrown grass in the back green", "Fly-tipping by the bins",
        "Street light out in the close",
        "Bin store door broken",
    ),
    "anti-social-behaviour": (
        "Noise from the flat above late at night", "Dog fouling on the path",
        "Neighbour dispute over parking",
    ),
    "assignment-alteration": (
        "Request to assign tenancy to daughter", "Permission to fit a new kitchen",
        "Permission to put up a shed",
    ),
    "other": (
        "Asked for office opening times", "Change of phone number", "Asked about the newsletter",
    ),
}  # fmt: skip
REPAIRS: dict[str, tuple[str, ...]] = {
    "emergency": (
        "No heating or hot water (elderly tenant)", "Water coming through the ceiling",
        "Total loss of power", "Front door will not lock", "Blocked only toilet",
    ),
    "urgent": (
        "Leak under kitchen sink", "Electrics tripping", "Blocked drain outside",
        "Cooker socket not working", "Broken window pane",
    ),
    "routine": (
        "Front door lock stiff", "Damp and mould in back bedroom", "Extractor fan not working",
        "Broken window catch", "Loose stair handrail", "Kitchen cupboard door off its hinge",
    ),
}  # fmt: skip
COMPLAINTS = (
    ("Repair not done when promised", "Repairs"),
    ("Staff attitude on the phone", "Customer Services"),
    ("Call back not received", "Customer Services"),
    ("Communal cleaning not done", "Estate Services"),
    ("Rent charge wrong", "Rent"),
    ("Contractor left a mess", "Repairs"),
)
STAGE1_OUTCOMES = ("resolved", "upheld", "partially upheld", "not upheld")
STAGE2_OUTCOMES = ("upheld", "partially upheld", "not upheld")
ROOT_CAUSES = ("communication", "process not followed", "contractor", "staff training")
# What the caller wanted, weighted; `_follow_up` turns each into the outcome kind and the
# details the outcomes service records (callback_routine, repair_urgent, complaint_frontline, ...).
CALL_OUTCOMES = (
    ("resolved", 52),
    ("callback", 12),
    ("referred", 7),
    ("repair", 13),
    ("complaint-frontline", 3),
    ("complaint-stage1", 3),
    ("transferred", 10),
)
HOURLY_WEIGHT = {8: 0.6, 9: 1.6, 10: 1.8, 11: 1.4, 12: 0.9, 13: 0.8, 14: 1.0, 15: 0.9, 16: 0.6}

# What a home visit is for, by the enquiry's category (console/desk/home_visits.py "purpose").
VISIT_PURPOSES = {
    "rent": "Rent and benefits check",
    "tenancy": "Tenancy check",
    "estate": "Estate walkabout with the tenant",
    "housing-registration": "Housing application visit",
}

# The note written when a task is closed, by its outcome (the desk asks for one every time).
DONE_NOTES = {
    "called back": "Called the customer back and answered the enquiry",
    "no answer: message left": "No answer: left a message with our number",
    "completed": "Contractor completed the work; customer satisfied",
    "attended": "Attended and made safe; follow-on work booked",
    "done": "Done as the customer asked",
    "customer contacted": "Spoke to the customer and explained what happens next",
    "customer updated": "Told the customer where their case stands and when to expect a reply",
}
