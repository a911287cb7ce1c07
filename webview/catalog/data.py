"""Fixed reference data of the demo catalog: airports, airlines, routes, hotels and VIP plans."""

from __future__ import annotations

# code, city (vi, en), airport (vi, en)
AIRPORTS = (
    ("HAN", "Hà Nội", "Hanoi", "Sân bay quốc tế Nội Bài", "Noi Bai International Airport"),
    ("SGN", "TP. Hồ Chí Minh", "Ho Chi Minh City", "Sân bay quốc tế Tân Sơn Nhất",
     "Tan Son Nhat International Airport"),
    ("DAD", "Đà Nẵng", "Da Nang", "Sân bay quốc tế Đà Nẵng", "Da Nang International Airport"),
    ("CXR", "Nha Trang", "Nha Trang", "Sân bay quốc tế Cam Ranh", "Cam Ranh International Airport"),
    ("PQC", "Phú Quốc", "Phu Quoc", "Sân bay quốc tế Phú Quốc", "Phu Quoc International Airport"),
    ("HPH", "Hải Phòng", "Hai Phong", "Sân bay quốc tế Cát Bi", "Cat Bi International Airport"),
    ("VCA", "Cần Thơ", "Can Tho", "Sân bay quốc tế Cần Thơ", "Can Tho International Airport"),
    ("HUI", "Huế", "Hue", "Sân bay quốc tế Phú Bài", "Phu Bai International Airport"),
    ("VII", "Vinh", "Vinh", "Sân bay quốc tế Vinh", "Vinh International Airport"),
    ("DLI", "Đà Lạt", "Da Lat", "Sân bay quốc tế Liên Khương", "Lien Khuong International Airport"),
    ("UIH", "Quy Nhơn", "Quy Nhon", "Sân bay Phù Cát", "Phu Cat Airport"),
    ("BMV", "Buôn Ma Thuột", "Buon Ma Thuot", "Sân bay Buôn Ma Thuột", "Buon Ma Thuot Airport"),
    ("VDO", "Quảng Ninh", "Quang Ninh", "Sân bay quốc tế Vân Đồn", "Van Don International Airport"),
    ("THD", "Thanh Hóa", "Thanh Hoa", "Sân bay Thọ Xuân", "Tho Xuan Airport"),
)

# code, name, price factor against the market, checked baggage kg on Economy, fare classes sold, aircraft
AIRLINES = (
    ("VN", "Vietnam Airlines", 1.15, 23, ("economy_lite", "economy", "business"), ("A321", "A350", "B787")),
    ("VJ", "Vietjet Air", 0.85, 20, ("economy_lite", "economy", "business"), ("A320", "A321")),
    ("QH", "Bamboo Airways", 1.0, 20, ("economy_lite", "economy", "business"), ("A320", "A321")),
    ("VU", "Vietravel Airlines", 0.92, 20, ("economy_lite", "economy"), ("A321",)),
)

FARE_CLASSES = ("economy_lite", "economy", "business")

# origin, destination, block time in minutes, departures per day and direction for each airline
ROUTES = (
    ("HAN", "SGN", 130, {"VN": 5, "VJ": 4, "QH": 2, "VU": 1}),
    ("HAN", "DAD", 80, {"VN": 3, "VJ": 2, "QH": 1}),
    ("SGN", "DAD", 85, {"VN": 3, "VJ": 2, "QH": 1, "VU": 1}),
    ("SGN", "PQC", 60, {"VN": 2, "VJ": 2, "QH": 1}),
    ("HAN", "PQC", 130, {"VN": 1, "VJ": 1, "QH": 1}),
    ("SGN", "CXR", 65, {"VN": 2, "VJ": 1}),
    ("HAN", "CXR", 115, {"VN": 1, "VJ": 1, "QH": 1}),
    ("SGN", "HPH", 125, {"VN": 2, "VJ": 1}),
    ("SGN", "VII", 110, {"VN": 1, "VJ": 1}),
    ("SGN", "HUI", 85, {"VN": 2, "VJ": 1}),
    ("HAN", "HUI", 75, {"VN": 1}),
    ("SGN", "DLI", 55, {"VN": 1, "VJ": 1}),
    ("HAN", "DLI", 110, {"VN": 1, "VJ": 1}),
    ("HAN", "VCA", 130, {"VN": 1, "VJ": 1}),
    ("SGN", "UIH", 70, {"VN": 1, "QH": 1}),
    ("SGN", "BMV", 60, {"VN": 1, "VJ": 1}),
    ("HAN", "BMV", 100, {"VN": 1}),
    ("DAD", "HPH", 80, {"VJ": 1}),
    ("HAN", "UIH", 95, {"QH": 1}),
    ("SGN", "VDO", 130, {"VN": 1}),
    ("SGN", "THD", 115, {"VJ": 1}),
)

# code, name (vi, en)
HOTEL_CITIES = (
    ("HAN", "Hà Nội", "Hanoi"),
    ("SGN", "TP. Hồ Chí Minh", "Ho Chi Minh City"),
    ("DAD", "Đà Nẵng", "Da Nang"),
    ("NHA", "Nha Trang", "Nha Trang"),
    ("PQC", "Phú Quốc", "Phu Quoc"),
    ("HOI", "Hội An", "Hoi An"),
    ("DLI", "Đà Lạt", "Da Lat"),
    ("HLG", "Hạ Long", "Ha Long"),
)

# city, slug, name, stars, address
HOTELS = (
    ("HAN", "hoan-kiem-lakeview", "Hoan Kiem Lakeview Hotel", 4, "25 Hàng Bè, Hoàn Kiếm, Hà Nội"),
    ("HAN", "west-lake-residence", "West Lake Residence", 5, "12 Quảng An, Tây Hồ, Hà Nội"),
    ("HAN", "old-quarter-boutique", "Old Quarter Boutique Inn", 3, "48 Hàng Buồm, Hoàn Kiếm, Hà Nội"),
    ("SGN", "saigon-riverside", "Saigon Riverside Hotel", 5, "8 Tôn Đức Thắng, Quận 1, TP. Hồ Chí Minh"),
    ("SGN", "ben-thanh-central", "Ben Thanh Central Hotel", 4, "102 Lê Lợi, Quận 1, TP. Hồ Chí Minh"),
    ("SGN", "thao-dien-garden", "Thao Dien Garden Stay", 3, "30 Xuân Thủy, Thảo Điền, TP. Thủ Đức"),
    ("DAD", "my-khe-beach-resort", "My Khe Beach Resort", 5, "150 Võ Nguyên Giáp, Sơn Trà, Đà Nẵng"),
    ("DAD", "han-river-hotel", "Han River Hotel", 4, "36 Bạch Đằng, Hải Châu, Đà Nẵng"),
    ("DAD", "son-tra-seaside", "Son Tra Seaside Inn", 3, "21 Hồ Nghinh, Sơn Trà, Đà Nẵng"),
    ("NHA", "tran-phu-ocean", "Tran Phu Ocean Hotel", 4, "60 Trần Phú, Nha Trang, Khánh Hòa"),
    ("NHA", "cam-ranh-bay-resort", "Cam Ranh Bay Resort", 5, "Bãi Dài, Cam Lâm, Khánh Hòa"),
    ("NHA", "nha-trang-center-stay", "Nha Trang Center Stay", 3, "9 Biệt Thự, Nha Trang, Khánh Hòa"),
    ("PQC", "long-beach-pearl", "Long Beach Pearl Resort", 5, "Bãi Trường, Dương Tơ, Phú Quốc"),
    ("PQC", "duong-dong-harbour", "Duong Dong Harbour Hotel", 3, "18 Bạch Đằng, Dương Đông, Phú Quốc"),
    ("PQC", "sunset-cove-villas", "Sunset Cove Villas", 4, "Gành Dầu, Phú Quốc, Kiên Giang"),
    ("HOI", "ancient-town-lanterns", "Ancient Town Lanterns Hotel", 4, "55 Trần Hưng Đạo, Hội An, Quảng Nam"),
    ("HOI", "an-bang-beach-villas", "An Bang Beach Villas", 5, "Biển An Bàng, Cẩm An, Hội An"),
    ("HOI", "thu-bon-riverside", "Thu Bon Riverside Homestay", 3, "12 Nguyễn Phúc Chu, Hội An, Quảng Nam"),
    ("DLI", "xuan-huong-lakeside", "Xuan Huong Lakeside Hotel", 4, "2 Hồ Tùng Mậu, Đà Lạt, Lâm Đồng"),
    ("DLI", "pine-hill-lodge", "Pine Hill Lodge", 3, "15 Khe Sanh, Đà Lạt, Lâm Đồng"),
    ("DLI", "langbiang-palace", "Langbiang Palace", 5, "1 Trần Phú, Đà Lạt, Lâm Đồng"),
    ("HLG", "bai-chay-bayview", "Bai Chay Bayview Hotel", 4, "88 Hạ Long, Bãi Cháy, Quảng Ninh"),
    ("HLG", "tuan-chau-marina", "Tuan Chau Marina Resort", 5, "Đảo Tuần Châu, Hạ Long, Quảng Ninh"),
    ("HLG", "halong-central-inn", "Halong Central Inn", 3, "25 Vườn Đào, Bãi Cháy, Quảng Ninh"),
)

# code, name (vi, en), max guests, bed (vi, en), price factor, breakfast, refundable
ROOM_TYPES = (
    ("standard", "Phòng Tiêu chuẩn", "Standard Room", 2, "1 giường đôi", "1 double bed", 1.0, False, False),
    ("deluxe", "Phòng Deluxe", "Deluxe Room", 3, "1 giường đôi + 1 giường đơn", "1 double + 1 single bed",
     1.45, True, True),
    ("family", "Phòng Gia đình", "Family Room", 4, "2 giường đôi", "2 double beds", 1.9, True, True),
)

# weekday price of a standard room by stars (VND)
STAR_PRICES = {3: 650_000, 4: 1_250_000, 5: 2_600_000}

# code, name (vi, en), price, days, benefits (vi, en)
VIP_PLANS = (
    ("monthly", "Gói VIP tháng", "Monthly VIP", 59_000, 30,
     ["Miễn phí vận chuyển không giới hạn", "Ưu đãi riêng cho thành viên", "Hỗ trợ ưu tiên 24/7"],
     ["Unlimited free shipping", "Members-only deals", "Priority support 24/7"]),
    ("yearly", "Gói VIP năm", "Yearly VIP", 599_000, 365,
     ["Miễn phí vận chuyển không giới hạn", "Ưu đãi riêng cho thành viên", "Hỗ trợ ưu tiên 24/7",
      "Tiết kiệm hơn 15% so với gói tháng"],
     ["Unlimited free shipping", "Members-only deals", "Priority support 24/7",
      "Save over 15% against monthly"]),
)

# fare class: name (vi, en)
FARE_CLASS_NAMES = {
    "economy_lite": ("Phổ thông Tiết kiệm", "Economy Lite"),
    "economy": ("Phổ thông", "Economy"),
    "business": ("Thương gia", "Business"),
}
