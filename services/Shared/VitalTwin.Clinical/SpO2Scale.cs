namespace VitalTwin.Clinical;

/// <summary>
/// NEWS2 SpO₂ scale. Scale 2 is only for confirmed hypercapnic respiratory failure with a prescribed
/// 88–92 % target, on clinical decision; everyone else is scored on Scale 1.
/// </summary>
public enum SpO2Scale
{
    Scale1,
    Scale2,
}
