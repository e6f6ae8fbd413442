namespace VitalTwin.TwinState.Benchmarks;

/// <summary>The 1-, 5- and 15-minute load averages, so a run on a busy machine says so.</summary>
internal sealed record MachineLoad(string Averages)
{
    public static MachineLoad Read()
    {
        const string path = "/proc/loadavg";
        return new MachineLoad(File.Exists(path) ? string.Join(' ', File.ReadAllText(path).Split(' ').Take(3)) : "unknown");
    }
}
