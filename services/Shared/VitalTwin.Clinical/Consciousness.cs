namespace VitalTwin.Clinical;

/// <summary>ACVPU: anything other than Alert scores 3.</summary>
public enum Consciousness
{
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}
