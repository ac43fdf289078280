/**
 * How far ahead of our clock a sample's time may be and still count as "now". Devices and providers keep
 * their own clocks; a few seconds of drift is normal, minutes are not. One tolerance is applied at
 * ingestion (integrations rejects anything further ahead, whatever the source) and in the state engine
 * (the latest reading is the latest at or before now + tolerance), so a sample one service accepts is
 * never one the other ignores.
 */
export const defaultClockSkewToleranceSeconds = 60;
