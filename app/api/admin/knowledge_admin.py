"""The panel's 知识库 and 公告 pages (admins and branch managers): knowledge-base articles (create,
edit with preview, publish / withdraw) and categories (admins), announcements (draft, edit, publish
to org units of one's own subtree, which pushes a WeCom message to each targeted staff member)."""

from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from app.api.admin.panel import bp, current_page, load_args, page_size, register_nav
from app.auth.viewer import current_viewer
from app.errors import DomainError, Forbidden
from app.models import Role
from app.models.org import ROLE_LABELS
from app.services import announcements
from app.services.knowledge import articles

register_nav("admin.kb_articles", "知识库", active_for=("admin.kb_article_new", "admin.kb_article_edit",
                                                        "admin.kb_categories"))
register_nav("admin.announcement_list", "公告", active_for=("admin.announcement_new", "admin.announcement_edit"))

KB_ROLES = (Role.admin, Role.branch_manager)
ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]
_CHECKBOX = dict(truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"}, load_default=False)


def _require(*roles: Role):
    viewer = current_viewer()
    if viewer.role not in roles:
        raise Forbidden("只有管理员和支公司经理可以管理知识库和公告" if Role.branch_manager in roles
                        else "只有管理员可以管理知识库分类")
    return viewer


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the button's name travel in the same form

    @pre_load
    def blank_to_missing(self, data, **kwargs):
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}


class ArticleForm(_Form):
    category_id = fields.Integer(required=True, error_messages={"required": "请选择分类", "invalid": "分类不正确"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="标题应为1到200个字符"),
                          error_messages={"required": "请填写标题"})
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000, error="正文应为1到50000个字符"),
                         error_messages={"required": "请填写正文"})
    source = fields.String(load_default=None, validate=validate.Length(max=200, error="来源过长"))
    effective_on = fields.Date(load_default=None, error_messages={"invalid": "生效日期格式应为 YYYY-MM-DD"})
    tags = fields.String(load_default="", validate=validate.Length(max=500, error="标签过长"))
    published = fields.Boolean(**_CHECKBOX)


class ArticleListArgs(_Form):
    category = fields.Integer(load_default=None, error_messages={"invalid": "分类不正确"})
    q = fields.String(load_default=None, validate=validate.Length(max=64, error="搜索内容过长"))
    status = fields.String(load_default=None, validate=validate.OneOf(["published", "draft"], error="状态不正确"))


class CategoryForm(_Form):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=32, error="代码应为1到32个字符"),
                                                  validate.Regexp(r"^[a-z][a-z0-9_]*$", error="代码只能用小写字母、数字和下划线")],
                         error_messages={"required": "请填写分类代码"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=50, error="名称应为1到50个字符"),
                         error_messages={"required": "请填写分类名称"})
    sort = fields.Integer(load_default=0, error_messages={"invalid": "排序应为整数"})


class AnnouncementForm(_Form):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="标题应为1到200个字符"),
                          error_messages={"required": "请填写标题"})
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000, error="正文应为1到5000个字符"),
                         error_messages={"required": "请填写正文"})
    targets = fields.List(fields.Integer(error_messages={"invalid": "接收机构不正确"}), load_default=list)
    roles = fields.List(fields.String(validate=validate.OneOf([v for v, _ in ROLE_CHOICES], error="角色不正确")),
                        load_default=list)

    @post_load
    def need_targets(self, data, **kwargs):
        if not data["targets"]:
            raise ValidationError("请选择接收机构", "targets")
        return data


def _announcement_form_data() -> dict:
    return {"title": request.form.get("title", ""), "body": request.form.get("body", ""),
            "targets": request.form.getlist("targets"), "roles": request.form.getlist("roles")}


# ---- knowledge-base articles ----------------------------------------------------------------------

@bp.get("/kb")
def kb_articles():
    _require(*KB_ROLES)
    args = load_args(ArticleListArgs())
    published = {"published": True, "draft": False}.get(args["status"] or "")
    result = articles.list_articles(category_id=args["category"], q=args["q"], published=published,
                                    page=current_page(), page_size=page_size())
    return render_template("admin/kb_articles.html", result=result, args=args,
                           categories=articles.list_categories(), notices=get_flashed_messages())


def _article_page(article, form: dict, status: int = 200, error: str | None = None, preview=None):
    return render_template("admin/kb_article_edit.html", article=article, form=form, error=error, preview=preview,
                           categories=articles.list_categories(), notices=get_flashed_messages()), status


def _form_of(article) -> dict:
    return {"category_id": article.category_id, "title": article.title, "body": article.body,
            "source": article.source or "", "effective_on": article.effective_on.isoformat() if article.effective_on else "",
            "tags": "、".join(article.tags or []), "published": article.published}


def _submitted() -> dict:
    return {**request.form.to_dict(), "published": "published" in request.form,
            "category_id": request.form.get("category_id", type=int)}


def _save_article(article_id: int | None):
    viewer = _require(*KB_ROLES)
    article = articles.get_article(article_id) if article_id else None
    try:
        data = load_args(ArticleForm(), request.form)
        if request.form.get("action") == "preview":
            preview = {"title": data["title"], "sections": articles.sections(data["body"]),
                       "passages": len(articles.passages(data["body"]))}
            return _article_page(article, _submitted(), preview=preview)
        saved = articles.save_article(viewer, article_id, data)
    except DomainError as err:
        return _article_page(article, _submitted(), err.status, err.message)
    flash("文章已保存" + (",已发布" if saved.published else ",未发布(员工搜索不到)"))
    return redirect(url_for("admin.kb_article_edit", article_id=saved.id))


@bp.route("/kb/new", methods=["GET", "POST"])
def kb_article_new():
    _require(*KB_ROLES)
    if request.method == "POST":
        return _save_article(None)
    return _article_page(None, {"published": False, "category_id": request.args.get("category", type=int)})


@bp.route("/kb/<int:article_id>", methods=["GET", "POST"])
def kb_article_edit(article_id: int):
    _require(*KB_ROLES)
    if request.method == "POST":
        return _save_article(article_id)
    article = articles.get_article(article_id)
    return _article_page(article, _form_of(article))


@bp.post("/kb/<int:article_id>/published")
def kb_article_publish(article_id: int):
    viewer = _require(*KB_ROLES)
    published = request.form.get("published") == "1"
    article = articles.set_published(viewer, article_id, published)
    flash(f"文章「{article.title}」已{'发布' if published else '撤回'}")
    return redirect(request.referrer if request.referrer and "/admin/kb" in request.referrer
                    else url_for("admin.kb_articles"))


@bp.route("/kb/categories", methods=["GET", "POST"])
def kb_categories():
    viewer = _require(Role.admin)
    error, form = None, {}
    if request.method == "POST":
        try:
            category_id = request.form.get("category_id", type=int)
            articles.save_category(viewer, category_id, load_args(CategoryForm(), request.form))
            flash("分类已保存")
            return redirect(url_for("admin.kb_categories"))
        except DomainError as err:
            error, form = err.message, request.form.to_dict()
    return render_template("admin/kb_categories.html", categories=articles.list_categories(), error=error,
                           form=form, notices=get_flashed_messages()), 422 if error else 200


# ---- announcements --------------------------------------------------------------------------------

@bp.get("/announcements")
def announcement_list():
    result = announcements.list_announcements(current_viewer(), page=current_page(), page_size=page_size())
    return render_template("admin/announcement_list.html", result=result, role_labels=dict(ROLE_CHOICES),
                           notices=get_flashed_messages())


def _announcement_page(item, form: dict, status: int = 200, error: str | None = None):
    viewer = current_viewer()
    return render_template("admin/announcement_edit.html", item=item, form=form, error=error,
                           units=announcements.target_choices(viewer), role_choices=ROLE_CHOICES,
                           role_labels=dict(ROLE_CHOICES),
                           recipients=announcements.recipient_count(item) if item else None,
                           notices=get_flashed_messages()), status


def _announcement_form_of(item) -> dict:
    return {"title": item.title, "body": item.body, "targets": [t.org_unit_id for t in item.targets],
            "roles": list(item.roles or [])}


def _save_announcement(announcement_id: int | None):
    viewer = current_viewer()
    item = announcements.get_announcement(viewer, announcement_id) if announcement_id else None
    submitted = _announcement_form_data()
    try:
        data = load_args(AnnouncementForm(), submitted)
        if announcement_id is None:
            item = announcements.create_announcement(viewer, data)
        else:
            item = announcements.update_announcement(viewer, announcement_id, data)
    except DomainError as err:
        form = {**submitted, "targets": [int(t) for t in submitted["targets"] if t.isdigit()]}
        return _announcement_page(item, form, err.status, err.message)
    flash("公告已保存为草稿,发布后才会推送")
    return redirect(url_for("admin.announcement_edit", announcement_id=item.id))


@bp.route("/announcements/new", methods=["GET", "POST"])
def announcement_new():
    announcements.require_author(current_viewer())
    if request.method == "POST":
        return _save_announcement(None)
    return _announcement_page(None, {"targets": [current_viewer().staff.org_unit_id], "roles": []})


@bp.route("/announcements/<int:announcement_id>", methods=["GET", "POST"])
def announcement_edit(announcement_id: int):
    if request.method == "POST":
        return _save_announcement(announcement_id)
    item = announcements.get_announcement(current_viewer(), announcement_id)
    return _announcement_page(item, _announcement_form_of(item))


@bp.post("/announcements/<int:announcement_id>/publish")
def announcement_publish(announcement_id: int):
    item = announcements.publish(current_viewer(), announcement_id)
    flash(f"公告「{item.title}」已发布,正在推送给企业微信中的员工")
    return redirect(url_for("admin.announcement_edit", announcement_id=item.id))
