import { createContext, useContext } from "react";

/** True inside a read-only preview (a past version): nodes show no live problems or test runs. */
export const PreviewContext = createContext(false);

export const useIsPreview = () => useContext(PreviewContext);
