namespace VitalTwin.TwinState.History;

/// <summary>A request for one patient's history over [<paramref name="From"/>, <paramref name="To"/>).</summary>
/// <param name="PatientId">The patient whose vitals are read.</param>
/// <param name="Loincs">LOINC codes to read; empty reads every vital recorded for the patient.</param>
/// <param name="From">Inclusive start.</param>
/// <param name="To">Exclusive end.</param>
/// <param name="Window">
/// <see langword="null"/> for raw readings; otherwise the width of epoch-aligned windows, each summarised as
/// mean, min, max and count (windows without readings are left out).
/// </param>
public sealed record HistoryQuery(string PatientId, IReadOnlyList<string> Loincs, DateTimeOffset From, DateTimeOffset To, TimeSpan? Window);

/// <summary>The history of one vital sign, in time order.</summary>
public sealed record VitalSeries(string Loinc, IReadOnlyList<HistoryPoint> Points);

/// <summary>
/// One raw reading (<see cref="Mean"/> = <see cref="Min"/> = <see cref="Max"/> = the value, <see cref="Count"/> = 1)
/// or one window's aggregate, stamped with the window's start.
/// </summary>
public sealed record HistoryPoint(DateTimeOffset Time, double Mean, double Min, double Max, long Count);
