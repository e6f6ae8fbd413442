using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Replay;

/// <summary>One row of a recording: the vital is resolved from the row's LOINC code; value and unit are as recorded.</summary>
/// <param name="Line">The row's line number in the file, for messages.</param>
public sealed record RecordedReading(DateTimeOffset Timestamp, string PatientId, VitalDefinition Vital, double Value, string Unit, int Line);

/// <summary>A row of a recording that cannot be replayed; the message starts with its line number.</summary>
public sealed class RecordingFormatException(int line, string problem)
    : FormatException($"line {line}: {problem}")
{
    public int Line { get; } = line;

    public string Problem { get; } = problem;
}
