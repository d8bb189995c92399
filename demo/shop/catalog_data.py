"""The demo catalog, generated from word lists with a seeded ``random.Random``.

The same seed always gives the same 200 products, so screenshots, tests and
benchmarks see the same shop on every machine. No network, no image files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.text import slugify

SEED = 20240611
PRODUCTS_PER_CATEGORY = 25

# username, first name, last name, password, SKUs already in the cart
SHOPPERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("alice", "Alice", "Archer", "alice-demo", ("CK-1004", "CK-3011")),
    ("bob", "Bob", "Baker", "bob-demo", ("CK-4002",)),
    ("carol", "Carol", "Chen", "carol-demo", ()),
)


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    tagline: str
    icon: str
    pattern: str  # how a product name is built from an adjective and a noun
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    price_range: tuple[int, int]
    features: tuple[str, ...]


@dataclass(frozen=True)
class ProductSpec:
    category: str  # CategorySpec.slug
    sku: str
    slug: str
    name: str
    description: str
    price: Decimal
    stock: int
    rating: Decimal
    review_count: int
    hue: int
    featured_rank: int


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "coffee-tea",
        "Coffee & Tea",
        "Brew slower, taste more.",
        "coffee",
        "{adj} {noun}",
        ("Walnut", "Copper", "Stoneware", "Matte Black", "Glass", "Enamel", "Speckled", "Brushed Steel"),
        (
            "Pour-Over Kettle",
            "French Press",
            "Tea Infuser",
            "Burr Grinder",
            "Travel Mug",
            "Dripper",
            "Teapot",
            "Milk Frother",
            "Cold Brew Jar",
            "Espresso Cups",
        ),
        (9, 140),
        (
            "keeps its heat for a second cup",
            "pours in a slow, even stream",
            "fits any kitchen shelf",
            "is dishwasher safe",
            "is made in a small family workshop",
        ),
    ),
    CategorySpec(
        "kitchen",
        "Kitchen",
        "Tools that earn their drawer space.",
        "kitchen",
        "{adj} {noun}",
        ("Cast Iron", "Olive Wood", "Carbon Steel", "Linen", "Marble", "Beech", "Ceramic", "Copper"),
        (
            "Skillet",
            "Chef's Knife",
            "Cutting Board",
            "Mixing Bowl",
            "Dutch Oven",
            "Salt Cellar",
            "Spice Rack",
            "Apron",
            "Rolling Pin",
            "Colander",
        ),
        (12, 220),
        (
            "seasons better every time you cook",
            "holds an edge for months",
            "cleans up in seconds",
            "goes from stove to table",
            "is balanced for long prep sessions",
        ),
    ),
    CategorySpec(
        "books",
        "Books",
        "Stories and know-how worth keeping.",
        "books",
        "The {adj} {noun}",
        ("Quiet", "Hidden", "Salt", "Paper", "Northern", "Patient", "Borrowed", "Winter"),
        (
            "Garden",
            "Cartographer",
            "Harbour",
            "Atlas",
            "Orchard",
            "Lighthouse",
            "Alphabet",
            "Archive",
            "Season",
            "Bakery",
        ),
        (11, 45),
        (
            "is a favourite of our staff",
            "reads in a single weekend",
            "comes in a cloth-bound edition",
            "has been translated into twelve languages",
            "won a readers' prize last year",
        ),
    ),
    CategorySpec(
        "audio",
        "Audio",
        "Clear sound, fewer wires.",
        "audio",
        "{adj} {noun}",
        ("Studio", "Wireless", "Compact", "Oak", "Retro", "Pocket", "Noise-Cancelling", "Open-Back"),
        (
            "Headphones",
            "Bookshelf Speaker",
            "Turntable",
            "Earbuds",
            "Radio",
            "Soundbar",
            "DAC",
            "Record Cleaner",
            "Headphone Stand",
            "Microphone",
        ),
        (25, 480),
        (
            "has a 30-hour battery",
            "pairs with two devices at once",
            "tunes out a busy office",
            "ships with a braided cable",
            "sounds warm at any volume",
        ),
    ),
    CategorySpec(
        "outdoor",
        "Outdoor",
        "For weekends with no signal.",
        "outdoor",
        "{adj} {noun}",
        ("Ultralight", "Waxed Canvas", "Alpine", "Packable", "Trail", "Merino", "Ripstop", "Weatherproof"),
        (
            "Daypack",
            "Tent",
            "Sleeping Bag",
            "Camp Stove",
            "Headlamp",
            "Water Bottle",
            "Hammock",
            "Rain Shell",
            "Trekking Poles",
            "Camp Chair",
        ),
        (15, 390),
        (
            "packs down to the size of a loaf",
            "sheds a summer storm",
            "weighs less than you'd think",
            "is repairable for life",
            "sets up in two minutes",
        ),
    ),
    CategorySpec(
        "home",
        "Home",
        "Small things that make a room.",
        "home",
        "{adj} {noun}",
        ("Linen", "Rattan", "Wool", "Terracotta", "Oak", "Brass", "Handwoven", "Recycled Glass"),
        (
            "Throw Blanket",
            "Table Lamp",
            "Planter",
            "Cushion Cover",
            "Wall Clock",
            "Vase",
            "Doormat",
            "Candle",
            "Mirror",
            "Storage Basket",
        ),
        (14, 260),
        (
            "softens with every wash",
            "brings warm light to a corner",
            "is made from natural fibres",
            "is finished by hand",
            "suits a small flat",
        ),
    ),
    CategorySpec(
        "stationery",
        "Stationery",
        "Paper, pens and a tidy desk.",
        "stationery",
        "{adj} {noun}",
        ("Dot Grid", "Leather", "Recycled", "Brass", "Kraft", "Lay-Flat", "Pocket", "Cork"),
        (
            "Notebook",
            "Fountain Pen",
            "Desk Organiser",
            "Planner",
            "Pencil Set",
            "Sketchbook",
            "Bookmark",
            "Letter Set",
            "Desk Pad",
            "Pen Case",
        ),
        (4, 95),
        (
            "takes fountain pen ink without bleeding",
            "lies flat on any page",
            "fits a jacket pocket",
            "is bound by hand",
            "ages beautifully",
        ),
    ),
    CategorySpec(
        "fitness",
        "Fitness",
        "Move a little every day.",
        "fitness",
        "{adj} {noun}",
        ("Cork", "Adjustable", "Foldable", "Natural Rubber", "Weighted", "Pro", "Everyday", "Studio"),
        (
            "Yoga Mat",
            "Kettlebell",
            "Jump Rope",
            "Foam Roller",
            "Resistance Bands",
            "Dumbbell Pair",
            "Yoga Block",
            "Ab Wheel",
            "Pull-Up Bar",
            "Gym Towel",
        ),
        (8, 210),
        (
            "grips even when you sweat",
            "stores flat under a bed",
            "is made without PVC",
            "suits beginners and regulars alike",
            "comes with a printed routine",
        ),
    ),
)

_OPENINGS = (
    "Our {name} {feature}.",
    "Meet the {name}: it {feature}.",
    "The {name} {feature}, and it looks good doing it.",
    "Designed with people who use it daily, the {name} {feature}.",
)
_CLOSINGS = (
    "Backed by our two-year guarantee.",
    "Free returns within 30 days.",
    "Each one is checked by hand before it ships.",
    "A gift that gets used, not shelved.",
    "Packed in plastic-free, recyclable packaging.",
)


def generate(seed: int = SEED) -> list[ProductSpec]:
    """Every product of the demo catalog, in a stable order."""
    rng = random.Random(seed)
    products: list[ProductSpec] = []
    for index, category in enumerate(CATEGORIES):
        names = [category.pattern.format(adj=a, noun=n) for a in category.adjectives for n in category.nouns]
        for number, name in enumerate(sorted(rng.sample(names, PRODUCTS_PER_CATEGORY))):
            sku = f"CK-{index + 1}{number + 1:03d}"
            first, second = rng.sample(category.features, 2)
            description = " ".join(
                [
                    rng.choice(_OPENINGS).format(name=name, feature=first),
                    f"It also {second}.",
                    rng.choice(_CLOSINGS),
                ]
            )
            products.append(
                ProductSpec(
                    category=category.slug,
                    sku=sku,
                    slug=f"{slugify(name)}-{sku.lower()}",
                    name=name,
                    description=description,
                    price=_price(rng, *category.price_range),
                    stock=_stock(rng),
                    rating=Decimal(str(round(rng.triangular(3.1, 5.0, 4.5), 1))),
                    review_count=int(rng.expovariate(1 / 120)) + 3,
                    hue=rng.randrange(12),
                    featured_rank=0,
                )
            )
    # The catalog's default order mixes categories, like a shop's "featured" sort.
    ranks = list(range(1, len(products) + 1))
    rng.shuffle(ranks)
    return [replace(spec, featured_rank=rank) for spec, rank in zip(products, ranks, strict=True)]


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    # Skewed towards the cheap end, with the endings shops use.
    whole = int(low + (high - low) * rng.random() ** 1.8)
    return Decimal(f"{whole}.{rng.choice(('00', '50', '95', '99'))}")


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.22:
        return rng.randint(1, 5)
    return rng.randint(6, 80)
