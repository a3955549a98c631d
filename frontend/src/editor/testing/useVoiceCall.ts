/** The editor's voice test call: state for the test panel, hung up when the panel closes. */
import { useCallback, useEffect, useRef, useState } from "react";
import { VoiceCall, type VoiceCallState } from "./voiceCall";

export function useVoiceCall(pipelineId: number) {
  const [state, setState] = useState<VoiceCallState>({ phase: "idle" });
  const callRef = useRef<VoiceCall | null>(null);
  useEffect(() => {
    const call = new VoiceCall(setState);
    callRef.current = call;
    return () => {
      callRef.current = null;
      void call.hangUp();
    };
  }, [pipelineId]);
  const start = useCallback(() => void callRef.current?.start(pipelineId), [pipelineId]);
  const hangUp = useCallback(() => void callRef.current?.hangUp(), []);
  return { state, start, hangUp };
}
