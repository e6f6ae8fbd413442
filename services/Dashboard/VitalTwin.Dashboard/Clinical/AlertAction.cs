namespace VitalTwin.Dashboard.Clinical;

/// <summary>What a clinician can do with an alert from the dashboard.</summary>
public enum AlertAction
{
    Acknowledge,
    Silence,
    Resolve,
}
