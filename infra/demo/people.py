"""Made-up people, organisations and places: sample data with the accents and shapes real
box-office data has."""

from __future__ import annotations

import random

from domain.customers.contact import Address, Email, Phone
from domain.customers.customer import Customer, CustomerKind

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Aoife",
    "Arjun",
    "Beatriz",
    "Ben",
    "Chen",
    "Chloë",
    "Dafydd",
    "Elena",
    "Émile",
    "Fatima",
    "François",
    "Grace",
    "Hamish",
    "Hana",
    "Ibrahim",
    "Isla",
    "Jack",
    "José",
    "Joséphine",
    "Kofi",
    "Léa",
    "Liam",
    "Maya",
    "Mohammed",
    "Niamh",
    "Noah",
    "Olivia",
    "Ólafur",
    "Priya",
    "Raj",
    "Renée",
    "Rosa",
    "Sam",
    "Siobhán",
    "Sofia",
    "Tomás",
    "Yusuf",
    "Zoë",
    "Zainab",
    "Harriet",
    "Oscar",
    "Imogen",
    "Rhys",
    "Eilidh",
    "Bartosz",
)
LAST_NAMES = (
    "Adebayo",
    "Ahmed",
    "Brown",
    "Byrne",
    "Campbell",
    "Chen",
    "Clarke",
    "Davies",
    "Evans",
    "Fernández",
    "García",
    "Green",
    "Hall",
    "Hughes",
    "Jones",
    "Kaur",
    "Kelly",
    "Khan",
    "Kowalski",
    "Lewis",
    "MacDonald",
    "Martin",
    "Müller",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Patel",
    "Pérez",
    "Roberts",
    "Robinson",
    "Rossi",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Walker",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
    "Ó Súilleabháin",
    "Lefèvre",
    "Nguyễn",
    "Björk",
    "Smith-Jones",
)
ORGANISATION_WORDS = (
    ("Northern", "Riverside", "Harbour", "Civic", "Royal", "Old Town", "Lantern", "Meridian"),
    ("Arts", "Bank", "Trust", "Foundation", "Partners", "Brewery", "School", "Press", "Club"),
    ("Ltd", "plc", "Trust", "Group", "LLP", "& Co"),
)
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Queen's Road",
    "Victoria Street",
    "The Crescent",
    "Green Lane",
    "King Street",
)
CITIES = (
    ("London", "SW1A"),
    ("Manchester", "M1"),
    ("Bristol", "BS1"),
    ("Leeds", "LS1"),
    ("Glasgow", "G1"),
    ("Cardiff", "CF10"),
    ("Belfast", "BT1"),
    ("Norwich", "NR1"),
    ("York", "YO1"),
    ("Brighton", "BN1"),
)
TAGS = ("friend", "press", "subscriber", "access", "student", "schools", "patron", "vip")
TITLES = ("Mr", "Ms", "Mrs", "Dr", "Mx", None, None, None)
EMAIL_HOSTS = ("example.org", "example.com", "mail.example.net")


def _ascii(text: str) -> str:
    from domain.text import fold

    return "".join(ch for ch in fold(text) if ch.isalnum())


def sample_customer(rng: random.Random, serial: int) -> Customer:
    """One made-up customer; about one in ten is an organisation."""
    if rng.random() < 0.1:
        words = [rng.choice(choices) for choices in ORGANISATION_WORDS]
        customer = Customer(CustomerKind.ORGANISATION, name=" ".join(words))
        handle = _ascii(words[0] + words[1])
    else:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer = Customer(
            CustomerKind.INDIVIDUAL, title=rng.choice(TITLES), first_name=first, last_name=last
        )
        handle = f"{_ascii(first)}.{_ascii(last)}"
    if rng.random() < 0.9:
        customer.emails = [Email(f"{handle}{serial}@{rng.choice(EMAIL_HOSTS)}")]
    if rng.random() < 0.6:
        customer.phones = [
            Phone(f"07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}", "mobile")
        ]
    if rng.random() < 0.8:
        city, district = rng.choice(CITIES)
        customer.addresses = [
            Address(
                f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
                None,
                city,
                None,
                f"{district} {rng.randrange(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                "United Kingdom",
                True,
            )
        ]
    if rng.random() < 0.3:
        customer.tags = sorted(set(rng.sample(TAGS, rng.randrange(1, 3))))
    return customer
