"""Staff H5 pages opened from the bot's cards (/staff/...): WeCom OAuth sign-in, customer detail,
policy list, knowledge-base search and article, announcements. Small server-rendered pages for a
phone; every customer read goes through the scoping helper and the audit log (services)."""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from app.api.admin import panel
from app.auth.viewer import Viewer, current_viewer, set_current_viewer
from app.errors import STATUS_MESSAGES, DomainError
from app.models import AuditChannel
from app.services import announcements, knowledge, staff_signin, staff_views
from app.services.knowledge import articles

bp = Blueprint("staff_pages", __name__, url_prefix="/staff")

PUBLIC_ENDPOINTS = {"staff_pages.oauth_callback"}
MAX_QUERY_CHARS = 100


# ---- sign-in ------------------------------------------------------------------------------------

@bp.before_request
def require_staff_session():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    staff = staff_signin.session_staff(session.get(staff_signin.SESSION_KEY))
    if staff is None:
        session.pop(staff_signin.SESSION_KEY, None)
        if request.method != "GET":
            return _error_page(401, "登录已过期,请从企业微信重新打开页面")
        url, nonce = staff_signin.authorize_url(request.full_path.rstrip("?"))
        session[staff_signin.NONCE_KEY] = nonce
        return redirect(url)
    set_current_viewer(Viewer(channel=AuditChannel.h5, staff=staff, ip=request.remote_addr))
    return None


@bp.get("/oauth/callback")
def oauth_callback():
    next_path = staff_signin.read_state(request.args.get("state"), session.pop(staff_signin.NONCE_KEY, None))
    staff, value = staff_signin.sign_in(request.args.get("code"), request.remote_addr)
    session[staff_signin.SESSION_KEY] = value
    return redirect(next_path)


@bp.post("/logout")
def logout():
    session.pop(staff_signin.SESSION_KEY, None)
    return render_template("staff/signed_out.html")


# ---- pages --------------------------------------------------------------------------------------

@bp.get("/")
def home():
    me = current_viewer().staff
    return render_template("staff/home.html", items=knowledge.latest_announcements(me.id, limit=5),
                           categories=articles.list_categories())


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    card = staff_views.customer_card(current_viewer(), customer_id)
    return render_template("staff/customer.html", card=card)


@bp.get("/customers/<int:customer_id>/policies")
def customer_policies(customer_id: int):
    found, rows = staff_views.customer_policy_list(current_viewer(), customer_id)
    return render_template("staff/customer_policies.html", customer=found, rows=rows)


def _query() -> str:
    return (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]


@bp.get("/kb")
def kb_search():
    q = _query()
    category_id = request.args.get("category", type=int)
    hits = knowledge.search(q, limit=10) if q else []
    listing = [] if q else articles.published_articles(category_id)
    return render_template("staff/kb_search.html", q=q, hits=hits, listing=listing, category_id=category_id,
                           categories=articles.list_categories(), terms=knowledge.highlight_terms(q) if q else [])


@bp.get("/kb/<int:article_id>")
def kb_article(article_id: int):
    q = _query()
    article = articles.get_article(article_id, published_only=True)
    return render_template("staff/kb_article.html", article=article, sections=_blocks(article.body),
                           q=q, terms=knowledge.highlight_terms(q) if q else [])


def _blocks(body: str) -> list[tuple[str | None, list[tuple[str, list[str]]]]]:
    """Sections as (heading, [("ul", items) | ("p", lines)]) for the article template."""
    result = []
    for section in articles.sections(body):
        blocks = []
        for paragraph in section.paragraphs:
            lines = paragraph.split("\n")
            if all(line.startswith(("- ", "* ")) for line in lines):
                blocks.append(("ul", [line[2:] for line in lines]))
            else:
                blocks.append(("p", lines))
        result.append((section.heading, blocks))
    return result


@bp.get("/announcements")
def announcement_list():
    page = max(1, request.args.get("page", 1, type=int))
    result = announcements.list_for_staff(current_viewer().staff, page=page, page_size=20)
    return render_template("staff/announcements.html", result=result)


@bp.get("/announcements/<int:announcement_id>")
def announcement(announcement_id: int):
    item = announcements.get_for_staff(current_viewer().staff, announcement_id)
    return render_template("staff/announcement.html", item=item,
                           paragraphs=[p for p in re.split(r"\n\s*\n", item.body) if p.strip()])


# ---- errors, headers, template helpers ------------------------------------------------------------

def _error_page(status: int, message: str):
    return render_template("staff/error.html", status=status, message=message), status


@bp.errorhandler(DomainError)
def domain_error(err: DomainError):
    # Out-of-scope and missing customers both arrive here as NotFound: one page for both.
    return _error_page(err.status, err.message)


@bp.errorhandler(CSRFError)
def csrf_error(err: CSRFError):
    return _error_page(400, "页面已过期,请刷新后重试")


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    status = err.code or 500
    return _error_page(status, STATUS_MESSAGES.get(status, err.name))


# The panel's headers: these pages show personal data too.
bp.after_request(panel.security_headers)


@bp.app_template_filter("highlight")
def highlight(text: str, terms: list[str]) -> Markup:
    """`text` escaped, with every occurrence of `terms` (longest first) in <mark>."""
    if not text:
        return Markup("")
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


@bp.app_template_global()
def kb_link(article_id: int, q: str | None = None) -> str:
    return url_for("staff_pages.kb_article", article_id=article_id, q=q or None)
