"""Create, edit and delete one kind of record in the admin area: the views every record shares.

A feature declares its record once (a subclass of ``Records``: its model, its forms, the
operations to call, its templates, the roles of each action and the unit it belongs to) and
registers it on its own admin blueprint, at the addresses every record has:

    GET  /units                  the list (``list_endpoint``)      POST /units   create
    GET  /units/12/row           the row as it is shown
    GET  /units/12/edit          the row as a form                  POST          save it
    GET  /units/12/delete        a page that asks first             POST          delete

(a record made under another, like a unit's services, is listed and created at
``/units/<unit_id>/services`` and edited at ``/services/12/...``).

A small base class, not Flask's ``MethodView``: a MethodView is one endpoint, and Flask gives
an endpoint one set of roles, while one URL of ours takes different roles by method (any manager
sees the units, only an administrator adds one). So each action is a method of the declaration,
registered as its own endpoint with its own roles, under the endpoint names the templates and
the access tests already use (``unit_create``, ``unit_edit``...).

How every write answers: a plain form post gets a 303 redirect and a flashed message; htmx gets
the updated partial and an ``HX-Trigger`` event (``unit-created``, ``unit-saved``,
``unit-deleted``) for other regions that listen; a refusal shows the form again with its
messages, with 422 for a bad value or the domain error's own status.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from .db import db
from .errors import DomainError
from .forms import AdminForm
from .htmx import render_htmx, wants_partial
from .web import saved

ACTIONS = ("list", "create", "row", "edit", "delete")


class Records(ABC):
    """The declaration of one kind of record, and its views. A declaration sets the attributes
    below, implements the operation of each of its ``actions`` (``create``, ``update``,
    ``delete``: each calls the feature's operation with the checked form) and the contexts of
    its templates; ``guard`` and ``load`` say who may do what (the admin area's roles and unit
    scope, which live in a package above this one)."""

    name: str  # "unit": row ids (unit-row-12), form ids (unit-12), events, endpoints, URL arguments
    blueprint: str  # where it is registered, by its full name: "admin.org" (endpoints admin.org.unit_edit...)
    model: type
    form: type[AdminForm]  # the form of an edited row
    create_form: type[AdminForm] | None = None  # the form of a new record, when it differs
    url: str  # "/units"
    collection_url: str | None = None  # where the list is and new ones are posted, when not ``url``
    parent: type | None = None  # the record a new one is made under, by its id in collection_url:
    parent_arg = ""  # the name of that id ("unit_id")
    list_endpoint: str | None = None
    actions: tuple[str, ...] = ACTIONS
    edit_action, delete_action = "edit", "delete"
    roles: dict  # action -> the roles that may take it
    page: str  # the page with the list and the new form
    list_partial: str | None = None
    new_partial: str | None = None
    row_partial: str
    new_form_key = "new_form"  # the name of the new form in its templates
    # Messages: "created", "saved", "deleted", and "confirm" (the question before a delete), each
    # with one parameter, ``title_param``, filled with the record's title (``title_attribute``).
    messages: dict
    title_param = title_attribute = "name"

    # --- What the feature says ---------------------------------------------------------------

    @abstractmethod
    def guard(self, roles):
        """The decorator that lets only ``roles`` in."""

    @abstractmethod
    def load(self, model, object_id: int, unit_of=None):
        """The record, or 404; 403 when ``unit_of(record)`` is a unit the user does not manage."""

    unit_of = None  # a method giving a record's unit, for the scope check (None: no scope)

    def parent_unit_of(self, parent) -> int | None:
        return parent.id

    def title(self, obj) -> str:
        return getattr(obj, self.title_attribute)

    def list_context(self, parent=None) -> dict:
        """What the page needs besides the new form (its list, filters, choices)."""
        return {}

    def form_context(self, parent=None) -> dict:
        """What the new form's partial needs besides the form (choices, the parent)."""
        return {}

    def row_context(self, obj) -> dict:
        """What the row's partial needs besides the record."""
        return {}

    def blank(self, parent=None, made=None) -> AdminForm:
        """The new form with its defaults (``made``: the record just created from it)."""
        return (self.create_form or self.form).blank(f"{self.name}-new")

    def edit_form(self, obj) -> AdminForm:
        return self.form(obj=obj, id_prefix=f"{self.name}-{obj.id}")

    def back(self, obj) -> str:
        """The list the record is in: where a plain form goes after a write."""
        return url_for(f"{self.blueprint}.{self.list_endpoint}")

    def created_url(self, obj) -> str:
        return self.back(obj)

    def message(self, kind: str, obj) -> str:
        return str(self.messages[kind]) % {self.title_param: self.title(obj)}

    def confirm(self, obj) -> dict:
        """The page that asks before a delete."""
        action = url_for(f"{self.blueprint}.{self.name}_{self.delete_action}", **{f"{self.name}_id": obj.id})
        return dict(title=self.message("confirm", obj), back=self.back(obj), action=action)

    def edited(self, obj, result):
        """The answer to a saved edit (``result``: what ``update`` returned)."""
        return saved(
            self.row_partial, f"{self.name}-saved", self.back(obj), self.message("saved", obj), **self.row(obj)
        )

    def deleted(self, obj, title: str, back: str):
        """The answer to a delete (``title`` and ``back`` as they were before it): no row left."""
        return saved(None, f"{self.name}-deleted", back, str(self.messages["deleted"]) % {self.title_param: title})

    # --- The contexts of its templates (the feature's own views of the record use them too) -----

    def page_context(self, parent=None, form: AdminForm | None = None) -> dict:
        """What the page needs: its list, and the new form (``form``: one refused, with its messages)."""
        return {
            **self.list_context(parent),
            **self.form_context(parent),
            self.new_form_key: form if form is not None else self.blank(parent),
        }

    def row(self, obj) -> dict:
        """What the row's templates need: the record, and the page that shows it alone."""
        return {
            self.name: obj,
            "row_template": self.row_partial,
            "title": self.title(obj),
            "back": self.back(obj),
            **self.row_context(obj),
        }

    # --- The views ----------------------------------------------------------------------------

    def register(self, bp) -> None:
        item = f"{self.url}/<int:{self.name}_id>"
        collection = self.collection_url or self.url
        rules = {
            "list": (collection, self.list_endpoint, self.list_view, ["GET"]),
            "create": (collection, f"{self.name}_create", self.create_view, ["POST"]),
            "row": (f"{item}/row", f"{self.name}_row", self.row_view, ["GET"]),
            "edit": (f"{item}/{self.edit_action}", f"{self.name}_{self.edit_action}", self.edit_view, ["GET", "POST"]),
            "delete": (
                f"{item}/{self.delete_action}",
                f"{self.name}_{self.delete_action}",
                self.delete_view,
                ["GET", "POST"],
            ),
        }
        for action in self.actions:
            rule, endpoint, view, methods = rules[action]
            bp.add_url_rule(rule, endpoint, self.guard(self.roles[action])(view), methods=methods)

    def list_view(self, **ids):
        return render_htmx(self.page, self.list_partial, **self.page_context(self._parent(ids)))

    def create_view(self, **ids):
        parent = self._parent(ids)
        form = (self.create_form or self.form)(id_prefix=f"{self.name}-new")
        if form.submit(lambda: self.create(current_user, form, parent)):
            return saved(
                self.new_partial,
                f"{self.name}-created",
                self.created_url(form.result),
                self.message("created", form.result),
                **{**self.form_context(parent), self.new_form_key: self.blank(parent, form.result)},
            )
        return render_htmx(self.page, self.new_partial, status=form.status, **self.page_context(parent, form))

    def row_view(self, **ids):
        obj = self._load(ids)
        return render_htmx("admin/row_edit.html", self.row_partial, **self.row(obj))

    def edit_view(self, **ids):
        obj = self._load(ids)
        if request.method == "GET":
            return render_htmx("admin/row_edit.html", self.row_partial, form=self.edit_form(obj), **self.row(obj))
        form = self.form(id_prefix=f"{self.name}-{obj.id}")
        if form.submit(lambda: self.update(current_user, obj, form)):
            return self.edited(obj, form.result)
        return render_htmx("admin/row_edit.html", self.row_partial, status=form.status, form=form, **self.row(obj))

    def delete_view(self, **ids):
        obj = self._load(ids)
        confirm = self.confirm(obj)
        if request.method == "GET":
            return render_template("admin/confirm.html", **confirm)
        title, back = self.title(obj), self.back(obj)
        try:
            self.delete(current_user, obj)
        except DomainError as error:
            db.session.rollback()
            # htmx asked from the row: the row again, with the reason; else the page that asked.
            if wants_partial():
                page = render_template(self.row_partial, row_error=error.message, **self.row(obj))
            else:
                page = render_template("admin/confirm.html", error=error.message, **confirm)
            response = make_response(page, error.status)
            response.vary.add("HX-Request")
            return response
        return self.deleted(obj, title, back)

    # --- Helpers --------------------------------------------------------------------------------

    def _load(self, ids: dict):
        return self.load(self.model, ids[f"{self.name}_id"], self.unit_of)

    def _parent(self, ids: dict):
        if self.parent is None:
            return None
        return self.load(self.parent, ids[self.parent_arg], self.parent_unit_of)
