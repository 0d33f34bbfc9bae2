"""The daily summary: what a year's report reads instead of a million contacts and tasks.

One row per (staff member, day, metric, bucket) with a count, a total and the
longest value (`console.store.models.DailySummary`). staff_id 0 is everyone, -1 nobody
(an abandoned call, an unassigned task); every contribution goes to everyone and
to its staff member.

- **Contacts** go to ``Contact.day``: ``contact.<channel>``; ``call.offered``,
  ``call.answered`` (bucket 1 = within the answer target), ``call.untimed``,
  ``call.abandoned``, ``call.resolved``; ``call.hour.offered`` (bucket = local
  hour) and ``call.hour.answered`` (bucket = hour * 2 + within; everyone only);
  ``visit.arrived``, ``visit.served`` (bucket 1 = within the serve target),
  ``visit.unseen``, ``visit.second_needed``, ``visit.second`` (bucket 1 = within),
  ``visit.second_left``; ``complaint.frontline`` (bucket = outcome code).
- **Tasks** (cancelled ones are left out): to the local date of ``due_at``,
  ``task.due.<slug>`` (fell due), ``task.due.<slug>.done`` (total and longest =
  seconds taken), ``task.due.<slug>.met`` (done by the due instant),
  ``task.due.<slug>.aim`` (done by the aim instant, where the task has one). Complaint and
  repair tasks also go to the local date of completion, ``task.done.<slug>``
  (emergency repairs: hours; the rest: working days; complaints' bucket: 0 within 5
  working days, 1 within 20, 2 longer) and
  ``task.done.<slug>.outcome`` (bucket = outcome code), and complaints to the local
  date of receipt, ``task.recv.<slug>`` (bucket 1 = escalated from stage 1).

"Within the target" and working days need the profile, which a writer's session
does not have: the report stores what they depend on (the answer and reception
targets, closing times, closure days, which slugs are complaints and repairs) in
the summary itself (staff_id -9, `ensure_spec`) and the events count on that. The
first report on a database, or one under a profile that differs in these, recounts
the rows that depend on it once.

Kept in the same transaction as each write, without the writer calling anything:
session events in `listeners`, installed by `console.store.engine.wire()`. New
contacts and changed tasks add and take away their contributions (a task's old
values are read back from the database in `before_flush`); a changed or deleted
contact recomputes its days. ORM bulk statements (``session.execute(insert(Contact),
rows)``, ``update(Task).where(...)``) are handled in `do_orm_execute`. Raw SQL and
Core connections are not seen: bulk loads (demo, the scaled benchmark) call
`rebuild_on(conn)` / `rebuild_summary(store)` when they finish, or `refresh_days`.
"""
