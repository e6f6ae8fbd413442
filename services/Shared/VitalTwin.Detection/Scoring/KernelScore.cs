namespace VitalTwin.Detection;

// NaN where nothing was computed.
internal readonly record struct KernelScore(bool Alert, double PValue, double Martingale);
