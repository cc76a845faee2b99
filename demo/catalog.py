"""The demo store's catalog, in the 9 languages (data only; ``demo.loader`` loads it)."""

from decimal import Decimal
from typing import NotRequired, TypedDict

LANGS = ("en", "fr", "nl", "de", "es", "pt_br", "cs", "ja", "zh_hant")


def t(*names: str) -> dict[str, str]:
    """One name per language, in LANGS order."""
    return dict(zip(LANGS, names, strict=True))


COLOURS = {
    "navy": t(
        "Navy",
        "Marine",
        "Marineblauw",
        "Marineblau",
        "Azul marino",
        "Azul-marinho",
        "Námořnická modř",
        "ネイビー",
        "海軍藍",
    ),
    "grey": t("Grey", "Gris", "Grijs", "Grau", "Gris", "Cinza", "Šedá", "グレー", "灰色"),
    "white": t("White", "Blanc", "Wit", "Weiß", "Blanco", "Branco", "Bílá", "ホワイト", "白色"),
    "black": t("Black", "Noir", "Zwart", "Schwarz", "Negro", "Preto", "Černá", "ブラック", "黑色"),
    "brown": t("Brown", "Marron", "Bruin", "Braun", "Marrón", "Marrom", "Hnědá", "ブラウン", "棕色"),
    "natural": t("Natural", "Naturel", "Naturel", "Natur", "Natural", "Natural", "Přírodní", "ナチュラル", "原色"),
}
ONE_SIZE = t(
    "One size",
    "Taille unique",
    "Eén maat",
    "Einheitsgröße",
    "Talla única",
    "Tamanho único",
    "Univerzální velikost",
    "フリーサイズ",
    "單一尺寸",
)


class ProductSpec(TypedDict):
    slug: str
    name: dict[str, str]  # by language
    price: Decimal
    weight: int  # grams
    sizes: list[str]
    colours: list[str]  # COLOURS keys
    customizable: NotRequired[bool]
    fee: NotRequired[bool]


class ShippingMethodSpec(TypedDict):
    code: str
    carrier: str
    position: int
    name: dict[str, str]
    rates: list[tuple[str, str, str | None, str]]


class PickupSpec(TypedDict):
    name: dict[str, str]
    address: str
    country: str
    hours: str


PRODUCTS: list[ProductSpec] = [
    {
        "slug": "merino-crew-sweater",
        "name": t(
            "Merino crew-neck sweater",
            "Pull col rond en mérinos",
            "Merino trui met ronde hals",
            "Merino-Pullover mit Rundhals",
            "Jersey de merino de cuello redondo",
            "Suéter de merino gola careca",
            "Merino svetr s kulatým výstřihem",
            "メリノ クルーネックセーター",
            "美麗諾圓領毛衣",
        ),
        "price": Decimal("89.00"),
        "weight": 350,
        "sizes": ["S", "M", "L", "XL"],
        "colours": ["navy", "grey"],
    },
    {
        "slug": "organic-cotton-tee",
        "name": t(
            "Organic cotton T-shirt",
            "T-shirt en coton bio",
            "T-shirt van biologisch katoen",
            "T-Shirt aus Bio-Baumwolle",
            "Camiseta de algodón orgánico",
            "Camiseta de algodão orgânico",
            "Tričko z biobavlny",
            "オーガニックコットン Tシャツ",
            "有機棉T恤",
        ),
        "price": Decimal("29.00"),
        "weight": 180,
        "sizes": ["S", "M", "L"],
        "colours": ["white", "black"],
    },
    {
        "slug": "wool-socks",
        "name": t(
            "Wool socks",
            "Chaussettes en laine",
            "Wollen sokken",
            "Wollsocken",
            "Calcetines de lana",
            "Meias de lã",
            "Vlněné ponožky",
            "ウールソックス",
            "羊毛襪",
        ),
        "price": Decimal("15.00"),
        "weight": 80,
        "sizes": ["S", "M", "L"],
        "colours": ["grey"],
    },
    {
        "slug": "leather-wallet",
        "name": t(
            "Leather wallet",
            "Portefeuille en cuir",
            "Leren portemonnee",
            "Lederbörse",
            "Cartera de piel",
            "Carteira de couro",
            "Kožená peněženka",
            "レザーウォレット",
            "皮革錢包",
        ),
        "price": Decimal("59.00"),
        "weight": 120,
        "sizes": [],
        "colours": ["brown", "black"],
        "customizable": True,
    },
    {
        "slug": "ceramic-mug",
        "name": t(
            "Ceramic coffee mug",
            "Mug en céramique",
            "Keramische koffiemok",
            "Keramik-Kaffeebecher",
            "Taza de cerámica",
            "Caneca de cerâmica",
            "Keramický hrnek",
            "陶器のコーヒーマグ",
            "陶瓷咖啡杯",
        ),
        "price": Decimal("18.00"),
        "weight": 400,
        "sizes": [],
        "colours": ["white"],
    },
    {
        "slug": "canvas-tote",
        "name": t(
            "Canvas tote bag",
            "Sac cabas en toile",
            "Canvas draagtas",
            "Canvas-Tragetasche",
            "Bolsa de lona",
            "Sacola de lona",
            "Plátěná taška",
            "キャンバストートバッグ",
            "帆布托特包",
        ),
        "price": Decimal("24.00"),
        "weight": 250,
        "sizes": [],
        "colours": ["natural"],
    },
    {
        "slug": "gift-wrapping",
        "name": t(
            "Gift wrapping",
            "Emballage cadeau",
            "Cadeauverpakking",
            "Geschenkverpackung",
            "Envoltorio de regalo",
            "Embrulho para presente",
            "Dárkové balení",
            "ギフトラッピング",
            "禮品包裝",
        ),
        "price": Decimal("4.00"),
        "weight": 50,
        "sizes": [],
        "colours": [],
        "fee": True,
    },
]

SHIPPING_METHODS: list[ShippingMethodSpec] = [
    {
        "code": "standard",
        "carrier": "PostNL",
        "position": 0,
        "name": t(
            "Standard delivery",
            "Livraison standard",
            "Standaard bezorging",
            "Standardversand",
            "Envío estándar",
            "Entrega padrão",
            "Standardní doručení",
            "通常配送",
            "標準配送",
        ),
        # (country, from order value, below order value, price); "" = everywhere else
        "rates": [
            ("NL", "0", "75", "4.95"),
            ("NL", "75", None, "0"),
            ("BE", "0", None, "6.95"),
            ("DE", "0", None, "7.95"),
            ("FR", "0", None, "8.95"),
            ("", "0", None, "19.95"),
        ],
    },
    {
        "code": "express",
        "carrier": "DHL Express",
        "position": 1,
        "name": t(
            "Express delivery",
            "Livraison express",
            "Express bezorging",
            "Expressversand",
            "Envío exprés",
            "Entrega expressa",
            "Expresní doručení",
            "速達配送",
            "快速配送",
        ),
        "rates": [
            ("NL", "0", None, "9.95"),
            ("BE", "0", None, "12.95"),
            ("DE", "0", None, "14.95"),
            ("FR", "0", None, "14.95"),
            ("", "0", None, "39.95"),
        ],
    },
]

PICKUP: PickupSpec = {
    "name": t(
        "Amsterdam store",
        "Boutique d'Amsterdam",
        "Winkel Amsterdam",
        "Laden Amsterdam",
        "Tienda de Ámsterdam",
        "Loja de Amsterdã",
        "Prodejna Amsterdam",
        "アムステルダム店",
        "阿姆斯特丹門市",
    ),
    "address": "Haarlemmerstraat 42, 1013 ER Amsterdam",
    "country": "NL",
    "hours": "Mon–Sat 10:00–18:00",
}

# (country, region, rate)
TAX_RATES = [
    ("NL", "", "0.21"),
    ("BE", "", "0.21"),
    ("DE", "", "0.19"),
    ("FR", "", "0.20"),
    ("ES", "", "0.21"),
    ("PT", "", "0.23"),
    ("CZ", "", "0.21"),
    ("JP", "", "0.10"),
    ("US", "CA", "0.0725"),
    ("US", "NY", "0.08875"),
]
