"""Core models: workspaces (tenants), users, memberships with roles, API tokens, the ledger."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from betool.roles import Role


class User(AbstractUser):
    """A person who signs in. What they may do depends on their membership in a workspace."""

    class Meta:
        db_table = "betool_user"


class Workspace(models.Model):
    """A tenant: every pipeline, number, call and credit belongs to exactly one workspace."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    max_concurrent_calls = models.PositiveIntegerField(default=10)
    low_balance_threshold = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("1000")
    )
    end_calls_at_zero_balance = models.BooleanField(
        default=False, help_text="End running calls when the balance reaches zero."
    )
    stop_calls_at_zero_balance = models.BooleanField(
        default=True, help_text="Refuse new calls while the balance is zero or less."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Where the workspace's days begin (IANA name)."
    )
    recording_retention_days = models.PositiveIntegerField(
        default=0,
        help_text="Recordings and transcripts older than this are deleted; 0 keeps them.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=[(r.value, r.name.title()) for r in Role])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="one_membership_per_user")
        ]
        ordering = ["workspace__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class MemberInvite(models.Model):
    """An invitation to join a workspace: its link carries a token, of which only the
    SHA-256 is stored; the invitee opens it, chooses a username and a password."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=16, choices=[(r.value, r.name.title()) for r in Role])
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invite to {self.workspace} as {self.role}"


class ApiToken(models.Model):
    """A bearer token for scripts, bound to one membership. Only its SHA-256 is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LedgerKind(models.TextChoices):
    CALL_SECONDS = "call_seconds", "Call time"
    ASR_SECONDS = "asr_seconds", "Speech recognition"
    TTS_CHARACTERS = "tts_characters", "Speech synthesis"
    LLM_INPUT_TOKENS = "llm_input_tokens", "LLM input tokens"
    LLM_OUTPUT_TOKENS = "llm_output_tokens", "LLM output tokens"
    TOP_UP = "top_up", "Top-up"
    ADJUSTMENT = "adjustment", "Adjustment"


class LedgerEntry(models.Model):
    """One append-only line of the credit ledger; credits < 0 spend, > 0 add.

    ``(workspace, source, kind, model_name, sequence)`` is unique, so a usage report that is
    retried or duplicated lands at most once.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="ledger")
    source = models.CharField(max_length=80, help_text="What produced it: call id, test session…")
    kind = models.CharField(max_length=24, choices=LedgerKind.choices)
    sequence = models.PositiveIntegerField(default=0)
    # What this entry adds: usage entries hold the quantity and credits of one meter step.
    quantity = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    credits = models.DecimalField(max_digits=14, decimal_places=2)
    model_name = models.CharField(max_length=120, blank=True)
    pipeline_id = models.BigIntegerField(null=True, blank=True)
    # The voice model configuration that did the work (its counters), when one did.
    voice_model_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    phone_number = models.CharField(max_length=20, blank=True)
    is_test = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    occurred_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "kind", "model_name", "sequence"],
                name="ledger_idempotency",
            )
        ]
        indexes = [models.Index(fields=["workspace", "occurred_at"])]
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.credits} ({self.source}#{self.sequence})"


class UsageMeter(models.Model):
    """How much of one kind of usage of one source (a call) has been billed so far.

    Usage reports carry cumulative quantities; the meter, locked by the upsert that applies a
    report, turns each into the difference still to bill. Whatever the order or the number of
    copies of the reports, a source ends billed exactly ``price(largest quantity)``.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="meters")
    source = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=LedgerKind.choices)
    model_name = models.CharField(max_length=120, blank=True)
    quantity = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    credits = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    # Ledger entries written by this meter; the next one's sequence.
    steps = models.PositiveIntegerField(default=0)
    last_report = models.PositiveIntegerField(default=0)
    # What the latest step added (its ledger entry), as the upsert that applies it returns it.
    step_quantity = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    step_credits = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "kind", "model_name"], name="one_meter_per_usage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.model_name}: {self.quantity}"


class BalanceAlert(models.Model):
    """Raised by the periodic check when a workspace's balance falls under its threshold."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alerts")
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    threshold = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.workspace}: {self.balance} < {self.threshold}"


class UsageRollup(models.Model):
    """The usage entries of the ledger summed per workspace, day, pipeline, number, model,
    kind and test flag, up to ``UsageRollupState.last_entry_id`` (``betool.usage_rollup``).

    ``calls`` counts the calls that started in the row (their first call-time step),
    ``model_calls`` the calls that first used the row's model: both add up across days and
    groups, unlike a distinct count.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    pipeline_id = models.BigIntegerField(null=True)
    phone_number = models.CharField(max_length=20, blank=True)
    model_name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=24, choices=LedgerKind.choices)
    is_test = models.BooleanField(default=False)
    quantity = models.DecimalField(max_digits=20, decimal_places=3, default=Decimal(0))
    credits = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    calls = models.PositiveIntegerField(default=0)
    model_calls = models.PositiveIntegerField(default=0)
    entries = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "workspace", "day", "pipeline_id", "phone_number", "model_name", "kind",
                    "is_test",
                ],
                name="one_usage_rollup_per_group",
                nulls_distinct=False,
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.model_name}: {self.credits}"


class CallUsageRollup(models.Model):
    """The same sums per call (the ledger's ``source``) and day, one row with a column per
    dashboard column: the finance view by call, paged, reads these instead of every entry of
    every call. Credits are signed as in the ledger (spending < 0).

    ``started_at`` is the call's first usage entry on any day, the same on each of its rows,
    so a call's rows are adjacent in the index the view by call pages along (newest first):
    a page is read by walking that index, not by summing every call of the range.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=80)
    day = models.DateField()
    pipeline_id = models.BigIntegerField(null=True)
    phone_number = models.CharField(max_length=20, blank=True)
    is_test = models.BooleanField(default=False)
    call_seconds = models.DecimalField(max_digits=20, decimal_places=3, default=Decimal(0))
    call_credits = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    asr_credits = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    tts_credits = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    llm_credits = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    calls = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "day", "pipeline_id", "phone_number", "is_test"],
                name="one_call_usage_rollup_per_group",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # The walk (newest first); the count of a range's calls reads the index alone.
            models.Index(
                fields=["workspace", "-started_at", "source"],
                include=["day", "is_test", "pipeline_id", "phone_number"],
                name="call_rollup_by_start",
            ),
            # The rows of calls that started on an earlier day (few): how far back a range's
            # calls start, so the walk ends there instead of at the workspace's first call.
            models.Index(
                fields=["workspace", "day", "started_at"],
                condition=models.Q(started_at__lt=models.F("first_at")),
                name="call_rollup_continued",
            ),
            # The view by campaign sums every call of a range: read off this index alone,
            # not a random heap page per call.
            models.Index(
                fields=["workspace", "day"],
                include=[
                    "source",
                    "is_test",
                    "pipeline_id",
                    "phone_number",
                    "call_seconds",
                    "call_credits",
                    "asr_credits",
                    "tts_credits",
                    "llm_credits",
                    "calls",
                ],
                name="call_rollup_sums_by_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.day}: {self.call_credits} call credits"


class UsageRollupState(models.Model):
    """How far the rollups go: every usage entry with an id up to ``last_entry_id`` is in
    them, none after it. One row; the rollup locks it, so two runs never add a range twice."""

    last_entry_id = models.BigIntegerField(default=0)
    # The zone the rollups' days were cut in; another one rebuilds them.
    time_zone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"usage rolled up to ledger entry {self.last_entry_id}"


class AuditEntry(models.Model):
    """Something done to a workspace's data that someone may have to account for later
    (what retention deleted, and when). Append-only: nothing updates or deletes a row."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_entries")
    # None when the system did it (a scheduled task), not a member.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} in {self.workspace_id}: {self.summary}"
