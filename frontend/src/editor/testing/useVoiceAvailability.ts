import { useEffect, useState } from "react";
import { coreApi } from "../../api/core";

export type VoiceAvailability = { available: true } | { available: false; reason: string } | null;

/**
 * Voice tests need a LiveKit server; /api/health says whether one is configured and reachable.
 * When it is not, the button stays disabled and says why instead of doing nothing.
 */
export function useVoiceAvailability(): VoiceAvailability {
  const [availability, setAvailability] = useState<VoiceAvailability>(null);
  useEffect(() => {
    coreApi.health().then(
      (health) => {
        const status = health.livekit?.status;
        if (status === "ok") setAvailability({ available: true });
        else if (status === "disabled") setAvailability({ available: false, reason: "Voice tests need a LiveKit server; this betool has none configured. Chat tests run the same pipeline." });
        else setAvailability({ available: false, reason: "The LiveKit server is not answering right now, so voice tests are off." });
      },
      () => setAvailability({ available: false, reason: "Could not check whether voice tests are available." }),
    );
  }, []);
  return availability;
}
