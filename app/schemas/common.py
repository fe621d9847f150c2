"""Schemas shared by every audience: paging arguments, errors, labelled enums."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码必须大于0"))
    page_size = fields.Integer(load_default=20,
                               validate=validate.Range(min=1, max=200, error="每页条数应在1到200之间"))


class SearchArgs(Schema):
    """Free-text search; paging comes from @blp.paginate (page, page_size)."""

    q = fields.String(load_default=None, validate=validate.Length(max=64, error="搜索内容过长"))


class LoginSchema(Schema):
    """Username and password, for the panel's form and the staff token endpoint alike."""

    username = fields.String(required=True,
                             validate=[validate.Length(min=1, error="请输入用户名"), validate.Length(max=64)],
                             error_messages={"required": "请输入用户名"})
    password = fields.String(required=True, load_only=True,
                             validate=[validate.Length(min=1, error="请输入密码"), validate.Length(max=128)],
                             error_messages={"required": "请输入密码"})


class ErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()


def labelled(labels: dict):
    """A read-only field giving an enum's Chinese label."""
    return fields.Function(lambda value: labels.get(value), dump_only=True)
