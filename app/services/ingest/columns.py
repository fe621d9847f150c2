"""THE mapping of the core system's Chinese column headers to fields, per kind of file.

docs/import.md shows these tables (tests/test_import.py holds the two together). A column is
found by its header or one of its aliases; columns the importer does not know are ignored, and so
are the 错误说明 columns an error report adds, so a corrected report can be imported as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.claim import CLAIM_STATUS_LABELS
from app.models.customer import VIP_TIER_LABELS
from app.models.ingest import ImportKind
from app.models.org import ROLE_LABELS, Role
from app.models.policy import LINE_LABELS, POLICY_STATUS_LABELS

# Order to import a fresh office in: each kind names only kinds before it.
DEPENDENCY_ORDER = (
    ImportKind.dealers, ImportKind.staff, ImportKind.customers, ImportKind.vehicles, ImportKind.policies,
    ImportKind.claims, ImportKind.complaints, ImportKind.plans,
)

# Columns an error report appends; ignored when such a report is imported again.
REPORT_COLUMNS = ("原行号", "错误列", "错误值", "错误说明")

YES_NO = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False}
CLAIM_TYPE_LABELS = {"车损": "vehicle_damage", "三者": "third_party", "人伤": "injury", "玻璃": "glass",
                     "盗抢": "theft"}
PLAN_OWNER_TYPES = {"机构": "org", "团队": "team", "业务员": "agent", "车商": "dealer"}


def _labels(mapping) -> dict[str, str]:
    """Label -> value, plus the value itself (an export may carry codes instead of labels)."""
    out = {label: str(value) for value, label in mapping.items()}
    out.update({str(value): str(value) for value in mapping})
    return out


LINES = _labels(LINE_LABELS)
# A staff file cannot make anyone an administrator: that stays a deliberate act of an admin.
ROLES = {label: value for label, value in _labels(ROLE_LABELS).items() if value != Role.admin}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    # text, date, datetime, month, money, choice, id_number, mobile, plate, vin, or ref (see `ref`)
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: dict | None = None
    # For type "ref": what the value names: org, team, staff, dealer, channel, customer_group,
    # insurer, customer (by ID number), vehicle (by VIN), policy or claim (by number).
    ref: str | None = None
    default: object = None
    aliases: tuple[str, ...] = ()
    note: str = ""

    @property
    def masked(self) -> str | None:
        """How a value of this column is masked in an error report: id_number, mobile or None."""
        if self.type == "mobile":
            return "mobile"
        if self.type == "id_number" or self.ref == "customer":
            return "id_number"
        return None


def _c(header, field, type="text", **kw) -> Column:
    return Column(header, field, type, **kw)


COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.customers: (
        _c("客户类型", "kind", "choice", required=True, choices={"个人": "person", "企业": "company"},
           note="个人 / 企业"),
        _c("客户名称", "name", required=True, max_length=100, aliases=("姓名",)),
        _c("证件号码", "id_number", "id_number", required=True,
           note="个人:18位身份证号(校验位);企业:统一社会信用代码(校验位)。客户按它识别"),
        _c("手机号", "mobile", "mobile"),
        _c("性别", "gender", "choice", choices={"男": "M", "女": "F"}, note="个人不填时取自身份证号"),
        _c("出生日期", "birthday", "date", note="个人不填时取自身份证号"),
        _c("客户群代码", "customer_group", "ref", ref="customer_group"),
        _c("VIP等级", "vip_tier", "choice", choices=_labels(VIP_TIER_LABELS), default="standard",
           note="普通 / 白银 / 黄金 / 铂金 / 钻石,默认普通"),
        _c("地址", "address", max_length=255),
        _c("服务业务员工号", "agent", "ref", ref="staff", note="团队、机构随业务员"),
        _c("归属机构代码", "branch", "ref", ref="org", note="没有业务员时的归属机构"),
    ),
    ImportKind.vehicles: (
        _c("车架号", "vin", "vin", required=True, aliases=("VIN",), note="17位,含校验位。车辆按它识别"),
        _c("车牌号", "plate", "plate"),
        _c("初次登记日期", "first_registration_date", "date"),
        _c("使用性质", "usage", max_length=32),
        _c("品牌", "brand", max_length=50),
        _c("车型", "model", max_length=100),
        _c("新车购置价", "new_car_price", "money"),
        _c("车主证件号码", "owner", "ref", ref="customer", note="须是已导入的客户"),
    ),
    ImportKind.dealers: (
        _c("车商代码", "code", required=True, max_length=32, note="车商按它识别"),
        _c("车商名称", "name", required=True, max_length=100),
        _c("品牌", "brand", max_length=50),
        _c("所属地市代码", "city", "ref", ref="org", required=True, note="地市级机构代码"),
        _c("管理机构代码", "branch", "ref", ref="org"),
        _c("地址", "address", max_length=255),
        _c("是否承修", "repairs", "choice", choices=YES_NO, default=True, note="是 / 否,默认是"),
        _c("状态", "active", "choice", choices={"在用": True, "停用": False}, default=True, note="在用 / 停用"),
    ),
    ImportKind.staff: (
        _c("工号", "code", required=True, max_length=32, note="员工按它识别"),
        _c("姓名", "name", required=True, max_length=50),
        _c("角色", "role", "choice", required=True, choices=ROLES,
           note="支公司经理 / 分管经理 / 团队经理 / 业务员 / 驻店经理 / 理赔人员(不能导入管理员)"),
        _c("所属机构代码", "org_unit", "ref", ref="org", required=True),
        _c("团队代码", "team", "ref", ref="team"),
        _c("驻店车商代码", "dealer", "ref", ref="dealer", note="驻店经理必填"),
        _c("手机号", "mobile", "mobile"),
        _c("企业微信账号", "wecom_userid", max_length=64),
        _c("后台用户名", "username", max_length=64, note="不导入密码;用 flask staff set-password 设置"),
        _c("状态", "active", "choice", choices={"在职": True, "离职": False}, default=True, note="在职 / 离职"),
    ),
    ImportKind.policies: (
        _c("保单号", "number", required=True, max_length=40, note="保单按它识别"),
        _c("险种", "line", "choice", required=True, choices=LINES, note="交强险 / 商业险"),
        _c("保单状态", "status", "choice", choices=_labels(POLICY_STATUS_LABELS), default="valid",
           note="有效 / 已注销,默认有效"),
        _c("投保人证件号码", "customer", "ref", ref="customer", required=True, note="须是已导入的客户"),
        _c("车架号", "vehicle", "ref", ref="vehicle", required=True, note="须是已导入的车辆"),
        _c("签单日期", "issued_on", "date", required=True),
        _c("起保日期", "start_date", "date", required=True),
        _c("终保日期", "end_date", "date", required=True, note="不早于起保日期"),
        _c("签单保费", "written_premium", "money", required=True, note="不含税,元"),
        _c("基准保费", "base_premium", "money", note="折扣前;不填等于签单保费"),
        _c("手续费", "commission", "money", default=0),
        _c("税额", "tax", "money", default=0),
        _c("实收保费", "collected_premium", "money", default=0),
        _c("收费日期", "collected_on", "date"),
        _c("渠道代码", "channel", "ref", ref="channel"),
        _c("客户群代码", "customer_group", "ref", ref="customer_group"),
        _c("机构代码", "branch", "ref", ref="org", required=True, note="出单支公司"),
        _c("业务员工号", "agent", "ref", ref="staff", note="团队随业务员"),
        _c("车商代码", "dealer", "ref", ref="dealer"),
        _c("上年保单号", "previous_policy_number", max_length=40,
           note="续保链:上年保单后到也会自动关联"),
        _c("上年承保公司代码", "previous_insurer", "ref", ref="insurer"),
        _c("注销日期", "cancelled_on", "date", note="保单状态为已注销时填写"),
    ),
    ImportKind.claims: (
        _c("赔案号", "number", required=True, max_length=40, note="赔案按它识别"),
        _c("保单号", "policy_number", required=True, max_length=40,
           note="保单未导入时赔案暂存,保单导入时自动落地"),
        _c("案件状态", "status", "choice", required=True, choices=_labels(CLAIM_STATUS_LABELS),
           note="已报案 / 已立案 / 已结案 / 已注销"),
        _c("报案时间", "reported_at", "datetime", required=True),
        _c("立案时间", "registered_at", "datetime", note="不早于报案时间"),
        _c("结案时间", "closed_at", "datetime", note="不早于报案时间"),
        _c("注销时间", "cancelled_at", "datetime"),
        _c("首次估损金额", "first_reserve", "money", default=0),
        _c("估损金额", "reserve", "money", default=0),
        _c("已决赔款", "paid", "money", default=0),
        _c("审核减损金额", "audit_reduction", "money", default=0),
        _c("追偿金额", "subrogation_recovered", "money", default=0),
        _c("是否涉及人伤", "injury", "choice", choices=YES_NO, default=False),
        _c("案件类型", "claim_type", "choice", choices={**CLAIM_TYPE_LABELS, **{v: v for v in CLAIM_TYPE_LABELS.values()}},
           default="vehicle_damage", note="车损 / 三者 / 人伤 / 玻璃 / 盗抢,默认车损"),
        _c("修理车商代码", "repair_dealer", "ref", ref="dealer"),
        _c("理赔人员工号", "handler", "ref", ref="staff"),
        _c("出险经过", "description", max_length=2000),
    ),
    ImportKind.complaints: (
        _c("投诉编号", "number", required=True, max_length=40, note="投诉按它识别"),
        _c("受理日期", "received_on", "date", required=True),
        _c("机构代码", "branch", "ref", ref="org", required=True),
        _c("客户证件号码", "customer", "ref", ref="customer"),
        _c("保单号", "policy", "ref", ref="policy"),
        _c("赔案号", "claim", "ref", ref="claim"),
        _c("是否有效投诉", "valid", "choice", choices=YES_NO, default=False),
        _c("投诉类别", "category", max_length=50),
        _c("投诉内容", "summary", max_length=2000),
    ),
    ImportKind.plans: (
        _c("计划月份", "month", "month", required=True, note="2026-01、2026/1、202601 或该月任一日期"),
        _c("险种", "line", "choice", required=True, choices=LINES),
        _c("计划对象类型", "owner_type", "choice", required=True, choices=PLAN_OWNER_TYPES,
           note="机构 / 团队 / 业务员 / 车商"),
        _c("计划对象代码", "owner_code", required=True, max_length=32, note="机构代码、团队代码、工号或车商代码"),
        _c("计划保费", "amount", "money", required=True, note="元"),
    ),
}

# Business keys: a second row with the same key in one file is an error.
KEYS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.customers: ("id_number",),
    ImportKind.vehicles: ("vin",),
    ImportKind.dealers: ("code",),
    ImportKind.staff: ("code",),
    ImportKind.policies: ("number",),
    ImportKind.claims: ("number",),
    ImportKind.complaints: ("number",),
    ImportKind.plans: ("owner_type", "owner_code", "month", "line"),
}


def column_by_field(kind: ImportKind, field: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.field == field)


def markdown_table(kind: ImportKind) -> str:
    """The table docs/import.md shows for `kind`."""
    lines = ["| 列名 | 必填 | 说明 |", "|---|---|---|"]
    for col in COLUMNS[kind]:
        note = col.note
        if col.aliases:
            note = (note + ";" if note else "") + "也可写作 " + "、".join(col.aliases)
        lines.append(f"| {col.header} | {'是' if col.required else ''} | {note} |")
    return "\n".join(lines)
