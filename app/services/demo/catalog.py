"""Reference data for the demo seed: Hebei cities and branches, names, car brands, dealers, code tables.

Plain constants only, so the builders beside it read as logic and this file as data. Every list is
ordered: the seed draws from them with a seeded generator, so reordering an entry changes the demo.
"""

from __future__ import annotations

# Our own insurer, as it appears in the insurer code table (is_self=True). Fictitious on purpose.
SELF_INSURER = ("self", "保运财险")

PROVINCE = "河北省"
COMPANY = ("HB", "河北分公司")

# (code, org name, city name, plate prefix,
#  [(branch code, branch name, district, ID-number region code, business weight)])
# Region codes are the real administrative codes of the districts, so ID numbers look local.
CITIES = [
    ("HB01", "石家庄中心支公司", "石家庄市", "冀A", [
        ("HB0101", "长安支公司", "长安区", "130102", 1.3),
        ("HB0102", "桥西支公司", "桥西区", "130104", 1.2),
        ("HB0103", "裕华支公司", "裕华区", "130108", 1.1),
    ]),
    ("HB02", "保定中心支公司", "保定市", "冀F", [
        ("HB0201", "竞秀支公司", "竞秀区", "130602", 1.0),
        ("HB0202", "莲池支公司", "莲池区", "130606", 0.9),
        ("HB0203", "涿州支公司", "涿州市", "130681", 0.7),
    ]),
    ("HB03", "唐山中心支公司", "唐山市", "冀B", [
        ("HB0301", "路北支公司", "路北区", "130203", 1.1),
        ("HB0302", "路南支公司", "路南区", "130202", 0.8),
        ("HB0303", "迁安支公司", "迁安市", "130283", 0.6),
    ]),
    ("HB04", "廊坊中心支公司", "廊坊市", "冀R", [
        ("HB0401", "广阳支公司", "广阳区", "131003", 0.8),
    ]),
]

# Customers born elsewhere in north China: a minority of ID numbers carry these region codes.
OTHER_REGIONS = ["110105", "120104", "140105", "150102", "370102", "410105", "210102", "230102"]

STREETS = {
    "石家庄市": ["中山东路", "建设南大街", "裕华东路", "槐安路", "和平西路", "友谊北大街", "体育南大街", "青园街"],
    "保定市": ["东风中路", "朝阳北大街", "七一东路", "天威西路", "复兴中路", "范阳路"],
    "唐山市": ["新华东道", "建设北路", "北新西道", "学院路", "燕山路", "钢城路"],
    "廊坊市": ["新华路", "爱民东道", "永兴路", "和平路", "光明西道"],
}

# Common surnames, most frequent first; weights roughly follow the national census shares.
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪"
    "田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣博文海东峰志国建新春晨阳"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰琳倩颖雪梅慧婷洁佳晶璐瑶怡月欢思雨晓婉"

# A company name is city + two trade-name characters + industry + 有限公司.
COMPANY_TRADE_CHARS = "顺通达宏远恒信华新锐泰安盛鑫隆兴昌聚诚和永利嘉润瑞丰祥禾众博金"
# (industry, customer-group code): logistics firms are 货运物流, the rest 政企.
COMPANY_INDUSTRIES = [
    ("物流", "logistics"), ("快运", "logistics"), ("建材贸易", "gov"), ("建筑工程", "gov"), ("科技", "gov"),
    ("电力工程", "gov"), ("汽车租赁", "gov"), ("食品", "gov"), ("商贸", "gov"), ("医药", "gov"),
]

MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "175", "176", "177", "178", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
]

# Car catalogue. (brand as customers say it, maker / dealer brand, WMI, [(model, price range in
# 10k yuan, seats, new-energy)], market weight). New-energy cars get green plates.
CARS = [
    ("大众", "一汽大众", "LFV", [("速腾", 12, 17, 5, False), ("迈腾", 18, 25, 5, False),
                                 ("宝来", 9, 13, 5, False), ("探岳", 19, 27, 5, False)], 10),
    ("大众", "上汽大众", "LSV", [("朗逸", 10, 14, 5, False), ("帕萨特", 18, 25, 5, False),
                                 ("途观L", 21, 29, 5, False)], 9),
    ("丰田", "广汽丰田", "LVG", [("凯美瑞", 17, 25, 5, False), ("雷凌", 11, 15, 5, False),
                                 ("汉兰达", 26, 34, 7, False)], 6),
    ("丰田", "一汽丰田", "LFM", [("卡罗拉", 11, 15, 5, False), ("亚洲龙", 19, 27, 5, False),
                                 ("RAV4荣放", 17, 25, 5, False)], 6),
    ("日产", "东风日产", "LGB", [("轩逸", 9, 14, 5, False), ("天籁", 17, 23, 5, False),
                                 ("奇骏", 17, 25, 5, False)], 7),
    ("本田", "广汽本田", "LHG", [("雅阁", 16, 24, 5, False), ("飞度", 8, 11, 5, False),
                                 ("皓影", 17, 23, 5, False)], 5),
    ("本田", "东风本田", "LVH", [("思域", 12, 17, 5, False), ("CR-V", 18, 26, 5, False)], 4),
    ("比亚迪", "比亚迪", "LGX", [("秦PLUS", 8, 14, 5, True), ("汉", 18, 28, 5, True),
                                 ("宋PLUS", 14, 20, 5, True), ("元PLUS", 12, 16, 5, True),
                                 ("海豚", 9, 12, 5, True)], 11),
    ("吉利", "吉利汽车", "L6T", [("星越L", 13, 18, 5, False), ("帝豪", 7, 10, 5, False),
                                 ("博越", 10, 15, 5, False)], 6),
    ("哈弗", "长城汽车", "LGW", [("哈弗H6", 10, 15, 5, False), ("哈弗大狗", 12, 16, 5, False)], 5),
    ("长安", "长安汽车", "LS5", [("CS75 PLUS", 11, 15, 5, False), ("逸动", 7, 11, 5, False),
                                 ("UNI-V", 11, 14, 5, False)], 5),
    ("奥迪", "一汽奥迪", "LFV", [("A4L", 30, 40, 5, False), ("A6L", 42, 60, 5, False),
                                 ("Q5L", 39, 50, 5, False)], 3),
    ("宝马", "华晨宝马", "LBV", [("3系", 29, 40, 5, False), ("5系", 43, 55, 5, False),
                                 ("X3", 39, 49, 5, False)], 3),
    ("奔驰", "北京奔驰", "LE4", [("C级", 32, 40, 5, False), ("E级", 44, 60, 5, False),
                                 ("GLC", 42, 55, 5, False)], 3),
    ("别克", "上汽通用别克", "LSG", [("英朗", 9, 12, 5, False), ("君威", 16, 22, 5, False),
                                     ("GL8", 23, 35, 7, False)], 4),
    ("特斯拉", "特斯拉", "LRW", [("Model 3", 23, 29, 5, True), ("Model Y", 25, 35, 5, True)], 2),
    ("五菱", "上汽通用五菱", "LZW", [("宏光MINIEV", 3, 5, 4, True), ("缤果", 6, 8, 5, True)], 3),
]

# Makers that sell through 4S dealers in the demo (Tesla sells direct).
DEALER_MAKERS = [
    "一汽大众", "上汽大众", "广汽丰田", "一汽丰田", "东风日产", "广汽本田", "东风本田", "比亚迪", "吉利汽车",
    "长城汽车", "长安汽车", "一汽奥迪", "华晨宝马", "北京奔驰", "上汽通用别克",
]
DEALER_GROUPS = ["冀东", "华通", "润华", "庞大", "恒信", "金腾", "盛世", "骏驰", "中冀", "燕赵", "和谐", "远达"]

# Code tables. Channel codes are English and lowercase: reports and imports key on them.
CHANNELS = [
    ("dealer", "车商"), ("telesales", "电销"), ("online", "电商"), ("agent", "个代"),
    ("direct", "直销"), ("group", "电网"),
]
CUSTOMER_GROUPS = [
    ("personal", "个人"), ("gov", "政企"), ("ride_hailing", "网约车"), ("taxi", "出租车"),
    ("logistics", "货运物流"),
]
COMPETITORS = [
    ("picc", "人保财险"), ("pingan", "平安产险"), ("cpic", "太保产险"), ("chinalife", "国寿财险"),
    ("dadi", "大地保险"), ("sunshine", "阳光财险"), ("taiping", "太平财险"),
]
# Weights of where lapsed cars go: the big three take most of the market.
COMPETITOR_WEIGHTS = [30, 25, 18, 10, 7, 6, 4]
LAPSE_REASONS = [
    ("price", "价格原因"), ("service", "服务不满意"), ("sold", "车辆已出售"), ("scrapped", "车辆报废"),
    ("dealer", "转投他司(车商推荐)"), ("unreachable", "联系不上"), ("claims", "理赔体验差"),
    ("relation", "人情关系投保他司"),
]

VEHICLE_USAGE = {
    "personal": "家庭自用", "gov": "非营业企业", "ride_hailing": "营业网约车", "taxi": "营业出租",
    "logistics": "营业货运",
}

COMPLAINT_CATEGORIES = {
    "claim": ["理赔时效", "理赔金额", "查勘服务"],
    "policy": ["销售误导", "服务态度", "续保骚扰", "退保纠纷", "发票与保单"],
}
COMPLAINT_SUMMARIES = {
    "理赔时效": "客户反映案件提交单证后迟迟未结案",
    "理赔金额": "客户对定损金额有异议,认为维修报价偏低",
    "查勘服务": "客户反映查勘员到场时间过晚",
    "销售误导": "客户称投保时未告知附加险条款",
    "服务态度": "客户反映客服人员态度生硬",
    "续保骚扰": "客户称续保期间接到过多推销电话",
    "退保纠纷": "客户对退保退费金额有异议",
    "发票与保单": "客户反映电子保单与发票信息不一致",
}

CLAIM_DESCRIPTIONS = {
    "vehicle_damage": ["倒车时与立柱发生碰撞,后保险杠受损", "路口追尾前车,前保险杠及大灯受损",
                       "停放时被不明车辆剐蹭,车门受损", "雨天路滑与护栏碰撞"],
    "third_party": ["变道时与第三方车辆剐蹭,双方车辆受损", "追尾第三方车辆,对方车尾受损"],
    "injury": ["与电动车发生碰撞,对方骑车人受伤", "路口与行人发生碰撞,行人受伤住院"],
    "glass": ["行驶中前挡风玻璃被飞石击裂"],
    "theft": ["车辆停放于小区内被盗"],
}
