"""Adapters from phone systems to `console.desk.phone`: the generic CTI endpoint and AMI."""
