"""Voice models in the Django admin: usage counters beside each model, keys write-only, a
connection test, and the dated price book."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from betool.admin_scoping import WorkspaceScopedAdmin
from voice_models.adapters import ModelConfig
from voice_models.catalog import connection_test
from voice_models.models import VoiceModel, VoiceModelKind
from voice_models.pricing import PriceBookEntry
from voice_models.selectors import UNIT_OF_KIND, with_usage_counters


class VoiceModelForm(forms.ModelForm):
    """The stored key is never rendered: a blank field keeps it, a new value replaces it."""

    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only. Leave blank to keep the stored key.",
    )
    remove_api_key = forms.BooleanField(required=False, label="Remove the stored key")

    class Meta:
        model = VoiceModel
        fields = ["workspace", "name", "kind", "provider", "model", "voice", "language",
                  "base_url", "enabled"]  # fmt: skip

    def save(self, commit: bool = True) -> VoiceModel:
        voice_model: VoiceModel = super().save(commit=False)
        if self.cleaned_data.get("remove_api_key"):
            voice_model.api_key = ""
        elif self.cleaned_data.get("api_key"):
            voice_model.api_key = self.cleaned_data["api_key"]
        if commit:
            voice_model.save()
        return voice_model


def _units(obj: Any, field: str) -> str:
    """A usage annotation of ``with_usage_counters``, with its unit."""
    value = getattr(obj, field)
    unit = UNIT_OF_KIND[VoiceModelKind(obj.kind)]
    return f"{value.normalize():,f} {unit}" if value else "—"


@admin.register(VoiceModel)
class VoiceModelAdmin(WorkspaceScopedAdmin):
    form = VoiceModelForm
    list_display = ["name", "kind", "provider", "model", "enabled", "has_key",
                    "used_today", "used_this_month", "used_in_all"]  # fmt: skip
    list_filter = ["kind", "provider", "enabled"]
    search_fields = ["name", "model", "voice"]
    actions = ["test_connection"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VoiceModel]:
        return with_usage_counters(super().get_queryset(request).select_related("workspace"))

    @admin.display(boolean=True, description="key")
    def has_key(self, obj: VoiceModel) -> bool:
        return bool(obj.api_key)

    @admin.display(description="today", ordering="used_today")
    def used_today(self, obj: VoiceModel) -> str:
        return _units(obj, "used_today")

    @admin.display(description="this month", ordering="used_this_month")
    def used_this_month(self, obj: VoiceModel) -> str:
        return _units(obj, "used_this_month")

    @admin.display(description="in all", ordering="used_in_all")
    def used_in_all(self, obj: VoiceModel) -> str:
        return _units(obj, "used_in_all")

    @admin.action(description="Test the connection")
    def test_connection(self, request: HttpRequest, queryset: QuerySet[VoiceModel]) -> None:
        for voice_model in queryset:
            result = async_to_sync(connection_test)(ModelConfig.from_model(voice_model))
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{voice_model.name}: {result.message}", level)


@admin.register(PriceBookEntry)
class PriceBookEntryAdmin(WorkspaceScopedAdmin):
    list_display = ["kind", "model_name", "credits", "effective_from", "note", "created_by"]
    list_filter = ["kind"]
    search_fields = ["model_name", "note"]
    date_hierarchy = "effective_from"
    readonly_fields = ["created_by"]

    def save_model(
        self, request: HttpRequest, obj: PriceBookEntry, form: Any, change: bool
    ) -> None:
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
