/** Calls a resuming client may name to watch again in its first message (the server refuses more, code 4). */
export const MAX_RESUME_WATCHES = 100;
