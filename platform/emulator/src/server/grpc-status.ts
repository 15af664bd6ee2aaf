/** google.rpc.Code values (the same numbers as gRPC status codes), for Status messages. */
export const INVALID_ARGUMENT = 3;
export const DEADLINE_EXCEEDED = 4;
export const NOT_FOUND = 5;
export const ALREADY_EXISTS = 6;
export const PERMISSION_DENIED = 7;
export const UNAVAILABLE = 14;
