using System.Diagnostics;
using System.Globalization;

namespace VitalTwin.Load.Measurement;

/// <summary>CPU and memory of one process (or part of one) over the measured window.</summary>
/// <param name="CpuPercent">CPU time over wall time in the window, in percent of one core (200 = both cores of a 2-core machine).</param>
/// <param name="PeakCpuPercent">The busiest sampling interval in the window.</param>
internal sealed record ProcessUsage(string Name, int? Pid, double CpuPercent, double PeakCpuPercent, double CpuSeconds, double WorkingSetMiB, double PeakWorkingSetMiB);

/// <summary>
/// Samples CPU time (<see cref="Process.TotalProcessorTime"/>) and working set of the service processes and of
/// this one, whose in-process embedded Kafka runs on one librdkafka thread named "rdk:mock" that is measured on
/// its own where /proc allows. The machine as a whole is sampled from /proc/stat too, so work by anything else on
/// the machine shows up as such instead of silently slowing the run.
/// </summary>
internal sealed class ProcessSampler : IDisposable
{
    public const string EmbeddedKafka = "Embedded Kafka (mock broker thread)";
    public const string LoadTool = "Load generator (this process, less the broker thread)";
    public const string Machine = "Machine (all processes)";
    public const string Others = "Other processes on the machine";

    // /proc reports thread CPU in clock ticks of USER_HZ, which is 100 on Linux.
    private const double ClockTicksPerSecond = 100;

    private readonly List<(string Name, Process Process)> _processes;
    private readonly Process _self = Process.GetCurrentProcess();
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private Snapshot? _previous;
    private Snapshot? _windowStart;
    private Snapshot? _windowEnd;
    private readonly Dictionary<string, double> _peak = new(StringComparer.Ordinal);
    private Dictionary<string, double> _lastInterval = new(StringComparer.Ordinal);

    public ProcessSampler(IEnumerable<(string Name, int Pid)> processes, TimeProvider clock)
    {
        _processes = processes.Select(p => (p.Name, Running(p.Name, p.Pid))).ToList();
        _clock = clock;
    }

    // A service that exited between its start and the first sample (its port taken by another program, say) ends the
    // run with its name, as a failed run, rather than with the runtime's "process is not running".
    private static Process Running(string name, int pid)
    {
        try
        {
            return Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException($"{name} exited before the run began; see its output above.");
        }
    }

    /// <summary>CPU percent per process over the last sampling interval.</summary>
    public IReadOnlyDictionary<string, double> LastInterval
    {
        get
        {
            lock (_gate)
            {
                return _lastInterval;
            }
        }
    }

    public void Sample()
    {
        var snapshot = Take();
        lock (_gate)
        {
            if (_previous is { } previous)
            {
                _lastInterval = Percent(previous, snapshot);
                if (_windowStart is not null && _windowEnd is null)
                {
                    foreach (var (name, percent) in _lastInterval)
                    {
                        _peak[name] = Math.Max(_peak.GetValueOrDefault(name), percent);
                    }
                }
            }
            _previous = snapshot;
        }
    }

    public void MarkWindowStart()
    {
        var snapshot = Take();
        lock (_gate)
        {
            _windowStart = snapshot;
            _previous = snapshot;
        }
    }

    public void MarkWindowEnd()
    {
        var snapshot = Take();
        lock (_gate)
        {
            if (_previous is { } previous)
            {
                foreach (var (name, percent) in Percent(previous, snapshot))
                {
                    _peak[name] = Math.Max(_peak.GetValueOrDefault(name), percent);
                }
            }
            _windowEnd = snapshot;
            _previous = snapshot;
        }
    }

    /// <summary>Usage over the window, services first; memory as it was at the window's end.</summary>
    public IReadOnlyList<ProcessUsage> Window()
    {
        lock (_gate)
        {
            if (_windowStart is not { } start || _windowEnd is not { } end)
            {
                return [];
            }
            var seconds = (end.At - start.At).TotalSeconds;
            return end.Parts.Select(part =>
            {
                var cpu = part.Value.CpuSeconds - start.Parts.GetValueOrDefault(part.Key).CpuSeconds;
                return new ProcessUsage(
                    part.Key,
                    part.Value.Pid,
                    Math.Round(100 * cpu / seconds, 1),
                    Math.Round(_peak.GetValueOrDefault(part.Key), 1),
                    Math.Round(cpu, 2),
                    Math.Round(part.Value.WorkingSet / 1_048_576.0, 1),
                    Math.Round(part.Value.PeakWorkingSet / 1_048_576.0, 1));
            }).ToList();
        }
    }

    private static Dictionary<string, double> Percent(Snapshot from, Snapshot to)
    {
        var seconds = (to.At - from.At).TotalSeconds;
        return to.Parts.ToDictionary(
            p => p.Key,
            p => seconds > 0 ? Math.Round(100 * (p.Value.CpuSeconds - from.Parts.GetValueOrDefault(p.Key).CpuSeconds) / seconds, 1) : 0,
            StringComparer.Ordinal);
    }

    private Snapshot Take()
    {
        var parts = new Dictionary<string, Part>(StringComparer.Ordinal);
        double services = 0;
        foreach (var (name, process) in _processes)
        {
            process.Refresh();
            if (process.HasExited)
            {
                continue;
            }
            var cpu = process.TotalProcessorTime.TotalSeconds;
            services += cpu;
            parts[name] = new Part(process.Id, cpu, process.WorkingSet64, process.PeakWorkingSet64);
        }
        _self.Refresh();
        var self = _self.TotalProcessorTime.TotalSeconds;
        var broker = BrokerThreadCpuSeconds();
        parts[LoadTool] = new Part(_self.Id, self - (broker ?? 0), _self.WorkingSet64, _self.PeakWorkingSet64);
        if (broker is { } brokerSeconds)
        {
            parts[EmbeddedKafka] = new Part(_self.Id, brokerSeconds, 0, 0);
        }
        if (MachineBusySeconds() is { } machine)
        {
            parts[Machine] = new Part(null, machine, 0, 0);
            parts[Others] = new Part(null, Math.Max(0, machine - services - self), 0, 0);
        }
        return new Snapshot(_clock.GetUtcNow(), parts);
    }

    /// <summary>CPU seconds of this process's "rdk:mock" thread, the whole embedded cluster; null where /proc is unavailable.</summary>
    private static double? BrokerThreadCpuSeconds()
    {
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
        {
            return null;
        }
        double? total = null;
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != "rdk:mock")
                {
                    continue;
                }
                // Fields after the parenthesised name: state is field 3, utime and stime are fields 14 and 15.
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                total = (total ?? 0) + (ticks / ClockTicksPerSecond);
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return total;
    }

    /// <summary>Busy CPU seconds of the whole machine since boot (all cores added up); null where /proc is unavailable.</summary>
    private static double? MachineBusySeconds()
    {
        const string stat = "/proc/stat";
        if (!File.Exists(stat))
        {
            return null;
        }
        using var reader = new StreamReader(stat);
        var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is null || fields[0] != "cpu")
        {
            return null;
        }
        var values = fields.Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice].
        var busy = values.Take(8).Sum() - values[3] - values[4];
        return busy / ClockTicksPerSecond;
    }

    public void Dispose()
    {
        foreach (var (_, process) in _processes)
        {
            process.Dispose();
        }
        _self.Dispose();
    }

    private readonly record struct Part(int? Pid, double CpuSeconds, long WorkingSet, long PeakWorkingSet);

    private sealed record Snapshot(DateTimeOffset At, Dictionary<string, Part> Parts);
}
