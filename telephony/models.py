"""Telephony: SIP trunks, phone numbers, calls with their transcript turns and events."""

from __future__ import annotations

from django.db import models

from betool.crypto import EncryptedTextField
from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from voice_models.models import VoiceModel


class TrunkDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    BOTH = "both", "Inbound and outbound"


class Trunk(models.Model):
    """A carrier's SIP trunk, mirrored by LiveKit SIP inbound/outbound trunks."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="trunks")
    name = models.CharField(max_length=120)
    direction = models.CharField(
        max_length=8, choices=TrunkDirection.choices, default=TrunkDirection.BOTH
    )
    address = models.CharField(max_length=255, blank=True, help_text="Carrier SIP host[:port]")
    username = models.CharField(max_length=120, blank=True)
    password = EncryptedTextField(blank=True, default="")
    max_concurrent_calls = models.PositiveIntegerField(default=10)
    livekit_inbound_trunk_id = models.CharField(max_length=64, blank=True)
    livekit_outbound_trunk_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PhoneNumber(models.Model):
    """A number callers dial; it answers with the latest published version of its pipeline."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="phone_numbers")
    e164 = models.CharField(max_length=20, unique=True, help_text="+15550100")
    label = models.CharField(max_length=120, blank=True)
    trunk = models.ForeignKey(
        Trunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="numbers"
    )
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.PROTECT, related_name="numbers"
    )
    enabled = models.BooleanField(default=True)
    language = models.CharField(max_length=16, default="en")
    max_call_duration_s = models.PositiveIntegerField(default=1800)
    silence_timeout_s = models.PositiveIntegerField(
        default=15, help_text="Caller silence before a re-prompt; twice that hangs up."
    )
    transfer_target = models.CharField(
        max_length=200, blank=True, help_text="Default transfer destination (tel: or sip: URI)"
    )
    asr_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tts_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    llm_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    livekit_dispatch_rule_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["e164"]

    def __str__(self) -> str:
        return f"{self.e164} {self.label}".strip()


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CallStatus(models.TextChoices):
    RINGING = "ringing", "Ringing"
    CONNECTED = "connected", "Connected"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    TRANSFERRED = "transferred", "Transferred"
    ENDED = "ended", "Ended"


# The timestamp field that records when a call reached each status.
STATUS_TIMESTAMP = {
    CallStatus.RINGING: "ringing_at",
    CallStatus.CONNECTED: "connected_at",
    CallStatus.ACTIVE: "active_at",
    CallStatus.ON_HOLD: "on_hold_at",
    CallStatus.TRANSFERRED: "transferred_at",
    CallStatus.ENDED: "ended_at",
}


class CallEndReason(models.TextChoices):
    CALLER_HANGUP = "caller_hangup", "Caller hung up"
    AGENT_HANGUP = "agent_hangup", "Agent hung up"
    TRANSFERRED = "transferred", "Transferred"
    MAX_DURATION = "max_duration", "Maximum duration reached"
    SILENCE_TIMEOUT = "silence_timeout", "Caller silent"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    REJECTED = "rejected", "Rejected"
    ERROR = "error", "Error"
    WORKER_LOST = "worker_lost", "Worker lost"
    OUT_OF_CREDIT = "out_of_credit", "Credits ran out"


class Call(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="calls")
    direction = models.CharField(
        max_length=8, choices=CallDirection.choices, default=CallDirection.INBOUND
    )
    from_number = models.CharField(max_length=40, blank=True)
    to_number = models.CharField(max_length=40, blank=True)
    number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    pipeline_version = models.ForeignKey(
        PipelineVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # A browser voice test of the draft has a pipeline and no version: it runs the draft.
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    room_name = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.RINGING)
    end_reason = models.CharField(max_length=16, choices=CallEndReason.choices, blank=True)
    is_test = models.BooleanField(default=False)
    transfer_target = models.CharField(max_length=200, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ringing_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    active_at = models.DateTimeField(null=True, blank=True)
    on_hold_at = models.DateTimeField(null=True, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "created_at"]),
            models.Index(fields=["workspace", "status"]),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} {self.from_number} → {self.to_number} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.connected_at is None:
            return None
        if self.ended_at is None:
            return None
        return (self.ended_at - self.connected_at).total_seconds()


class CallTurn(models.Model):
    """One exchange: what the caller said, what the agent answered, how long each step took."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="turns")
    sequence = models.PositiveIntegerField()
    user_text = models.TextField(blank=True)
    agent_text = models.TextField(blank=True)
    interrupted = models.BooleanField(default=False)
    reason = models.CharField(max_length=24, blank=True, help_text="The engine's turn_end reason")
    fallback = models.BooleanField(default=False)
    # {"stt_ms", "engine_first_text_ms", "tts_first_audio_ms", "end_to_end_ms", ...}
    latencies = models.JSONField(default=dict, blank=True)
    trace = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["call", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["call", "sequence"], name="one_turn_per_sequence")
        ]

    def __str__(self) -> str:
        return f"turn {self.sequence} of call {self.call_id}"


class CallEventKind(models.TextChoices):
    LIFECYCLE = "lifecycle", "Lifecycle"
    TOOL = "tool", "Tool"
    ACTION = "action", "Voice action"
    DTMF = "dtmf", "DTMF"
    ERROR = "error", "Error"


class CallEvent(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=CallEventKind.choices)
    name = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["call", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name} on call {self.call_id}"
