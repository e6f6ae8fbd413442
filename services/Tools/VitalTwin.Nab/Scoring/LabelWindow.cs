namespace VitalTwin.Nab.Scoring;

/// <summary>An anomaly window as inclusive row indices of its data file.</summary>
public readonly record struct LabelWindow(int Start, int End)
{
    public int Width => End - Start + 1;
}
