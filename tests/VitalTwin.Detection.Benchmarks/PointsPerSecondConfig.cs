using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace VitalTwin.Detection.Benchmarks;

/// <summary>
/// One short job (one launch, 3 warm-ups, 3 measured passes over the million-point series) so that every detector
/// is measured in a few minutes on two cores, with allocations, in one joined table. Benchmarks set
/// OperationsPerInvoke to the number of points, so times and Allocated are per point.
/// </summary>
internal sealed class PointsPerSecondConfig : ManualConfig
{
    public PointsPerSecondConfig()
    {
        AddJob(Job.ShortRun);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new PointsPerSecondColumn());
        WithOptions(ConfigOptions.JoinSummary);
    }
}
