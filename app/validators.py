"""Validators for Chinese identity and vehicle numbers, shared by models, schemas and imports.

Each returns the normalised value or raises ValueError with a Chinese reason.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Ordinary plates (省 + letter + 5) and new-energy plates (省 + letter + 6), plus 学/警/挂/领/港/澳 endings.
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(
    rf"^[{_PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳领]|[DF][A-HJ-NP-Z0-9]{{5}}|[A-HJ-NP-Z0-9]{{5}}[DF])$"
)
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def id_number_check_char(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> str:
    """18-digit resident ID (GB 11643): digits, a real birth date, and the ISO 7064 check character."""
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        raise ValueError("身份证号应为18位,最后一位可为X")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期无效") from None
    if born.year < 1900 or born > date.today():
        raise ValueError("身份证号中的出生日期无效")
    if id_number_check_char(v[:17]) != v[17]:
        raise ValueError("身份证号校验位不正确")
    return v


def birthday_from_id_number(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_mobile(value: str) -> str:
    v = re.sub(r"[\s-]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    if not MOBILE_RE.fullmatch(v):
        raise ValueError("手机号应为11位数字,以1开头")
    return v


def validate_plate(value: str) -> str:
    v = (value or "").strip().upper().replace(" ", "").replace("·", "")
    if not PLATE_RE.fullmatch(v):
        raise ValueError("车牌号格式不正确")
    return v


def vin_check_char(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def validate_vin(value: str) -> str:
    """17-character VIN (GB 16735 / ISO 3779): no I, O or Q, and the check digit in position 9."""
    v = (value or "").strip().upper()
    if not VIN_RE.fullmatch(v):
        raise ValueError("车架号(VIN)应为17位字母或数字,不含I、O、Q")
    if vin_check_char(v) != v[8]:
        raise ValueError("车架号(VIN)校验位不正确")
    return v


def with_vin_check(vin17: str) -> str:
    """Put the right check digit into position 9 of a 17-character VIN (used by demo data)."""
    draft = vin17[:8] + "0" + vin17[9:]
    return draft[:8] + vin_check_char(draft) + draft[9:]


def make_id_number(region: str, born: date, sequence: int) -> str:
    """A checksum-valid resident ID for region code (6 digits), birth date and a 3-digit sequence
    (odd for men, even for women). For demo data and tests."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_number_check_char(first17)


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """18-character unified social credit code of a company (GB 32100) with its check character."""
    v = (value or "").strip().upper()
    if len(v) != 18 or any(ch not in _USCC_CHARS for ch in v):
        raise ValueError("统一社会信用代码应为18位数字或大写字母(不含I、O、Z、S、V)")
    if credit_code_check_char(v[:17]) != v[17]:
        raise ValueError("统一社会信用代码校验位不正确")
    return v


def make_credit_code(body16: str) -> str:
    """A check-valid credit code from "9" + 16 more code characters (demo data and tests)."""
    if len(body16) != 16:
        raise ValueError("body16 must be 16 characters")
    first17 = "9" + body16
    return first17 + credit_code_check_char(first17)
