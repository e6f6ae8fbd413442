using System.Globalization;

namespace VitalTwin.Nab.Benchmark;

/// <summary>Per-file raw scores, the corpus thresholds and totals, and the three normalised scores as NAB prints them.</summary>
internal static class ConsoleReport
{
    public static void Write(TextWriter output, IReadOnlyList<ProfileResult> profiles)
    {
        var files = profiles[0].Files;
        int nameWidth = files.Max(f => f.File.Length) + 2;
        output.WriteLine();
        output.WriteLine("Raw NAB score per file at each profile's corpus-optimised threshold (FP = false-positive rows, standard):");
        output.WriteLine(Invariant($"{"file".PadRight(nameWidth)}{string.Concat(profiles.Select(p => p.Profile.Name.PadLeft(20)))}{"FP",6}"));
        for (int i = 0; i < files.Count; i++)
        {
            output.WriteLine(Invariant($"{files[i].File.PadRight(nameWidth)}{string.Concat(profiles.Select(p => p.Files[i].Score.ToString("F3", CultureInfo.InvariantCulture).PadLeft(20)))}{files[i].FalsePositives,6}"));
        }

        output.WriteLine();
        foreach (var p in profiles)
        {
            output.WriteLine(Invariant($"{p.Profile.Name}: threshold {p.Threshold:R}, raw total {p.Total:F3} (null {p.NullTotal:F0}, perfect {p.PerfectTotal:F0})"));
        }

        foreach (var p in profiles)
        {
            output.WriteLine(Invariant($"NAB {p.Profile.Name}: {p.Normalized:F2}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
