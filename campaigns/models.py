"""Campaigns: many outbound calls of one pipeline to a list of contacts, within calling
windows, under a concurrency limit, with retries per outcome and a circuit breaker.

Every bit of a campaign's progress lives in these rows (no process keeps any), so a restart
of every process resumes it where it stood: the dialer's next tick reads them again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from telephony.models import AnsweringMachineMode, Call, PhoneNumber


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Done"


class Outcome(models.TextChoices):
    """How one attempt ended; a contact's final outcome is its last attempt's (or cancelled,
    or on the do-not-call list when it was added there after the import)."""

    PERSON = "person", "Answered by a person"
    VOICEMAIL = "voicemail", "Voicemail"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no_answer", "No answer"
    FAILED = "failed", "Failed"
    REJECTED_BY_LIMIT = "rejected_by_limit", "Rejected by a limit"
    CANCELLED = "cancelled", "Cancelled"
    DO_NOT_CALL = "do_not_call", "On the do-not-call list"


# The outcomes a retry policy speaks of (a person answering is never retried).
RETRYABLE_OUTCOMES = (
    Outcome.BUSY,
    Outcome.NO_ANSWER,
    Outcome.VOICEMAIL,
    Outcome.FAILED,
    Outcome.REJECTED_BY_LIMIT,
)


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="campaigns")
    pinned_version = models.ForeignKey(
        PipelineVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: the pipeline's latest published version when each call is placed.",
    )
    # The numbers calls are placed from, in turn; their trunks carry the calls.
    caller_numbers = models.ManyToManyField(PhoneNumber, related_name="campaigns")
    # {"mon": [["09:00", "18:00"]], …, "sun": []}: local times in each contact's time zone.
    calling_windows = models.JSONField(default=dict)
    # Contacts whose number names no single time zone (and no column did) are called in this.
    default_time_zone = models.CharField(max_length=64, default="UTC")
    max_concurrent_calls = models.PositiveIntegerField(default=1)
    # Voicemail on each call: detect it and take the Start node's voicemail branch, ignore it,
    # or (blank) detect only when the pipeline has a voicemail branch.
    answering_machine = models.CharField(
        max_length=10, choices=AnsweringMachineMode.choices, blank=True
    )
    # {"busy": {"delay_s": 600, "max_attempts": 3}, …} for each of RETRYABLE_OUTCOMES.
    retry_policy = models.JSONField(default=dict)
    # The circuit breaker: more than this share (percent) of failed attempts among the
    # last ``breaker_window`` pauses the campaign.
    breaker_failure_percent = models.PositiveSmallIntegerField(default=50)
    breaker_window = models.PositiveIntegerField(default=20)
    # Attempts that ended before this do not count for the breaker (set when resumed).
    breaker_counts_from = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    status_reason = models.CharField(max_length=300, blank=True)
    # The validation report of the last import: {"accepted", "rejected": [{row, number, …}]}.
    import_report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The round-robin position in the caller numbers.
    next_number_index = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class ContactState(models.TextChoices):
    QUEUED = "queued", "Waiting for its next attempt"
    CALLING = "calling", "Being called"
    DONE = "done", "Done"


class CampaignContact(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    e164 = models.CharField(max_length=20)
    variables = models.JSONField(default=dict, blank=True)
    time_zone = models.CharField(max_length=64)
    # The row of the import it came from (1 = the first data row), for the report.
    source_row = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=8, choices=ContactState.choices, default=ContactState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    final_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "e164"], name="campaign_contact_once"),
            # Done, and only done, has a final outcome.
            models.CheckConstraint(
                condition=Q(state="done", final_outcome__gt="")
                | (~Q(state="done") & Q(final_outcome="")),
                name="campaign_contact_final_when_done",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.e164} in campaign {self.campaign_id} ({self.state})"


class CampaignAttempt(models.Model):
    """One call placed to a contact (or refused before it was placed: no call)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    contact = models.ForeignKey(
        CampaignContact, on_delete=models.CASCADE, related_name="attempt_set"
    )
    number = models.PositiveIntegerField(help_text="1 for the contact's first attempt")
    call = models.OneToOneField(
        Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_attempt"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "started_at", "id"]
        constraints = [
            # The database itself never lets a contact be called twice at once.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(ended_at__isnull=True),
                name="campaign_attempt_one_open_per_contact",
            ),
            models.UniqueConstraint(
                fields=["contact", "number"], name="campaign_attempt_numbered_once"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "ended_at"])]

    def __str__(self) -> str:
        return f"attempt {self.number} to contact {self.contact_id}: {self.outcome or 'open'}"


class DoNotCallEntry(models.Model):
    """A number the workspace must never call: refused at import and before each dial."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="do_not_call")
    e164 = models.CharField(max_length=20)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["e164"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "e164"], name="do_not_call_once")
        ]

    def __str__(self) -> str:
        return self.e164
