using Microsoft.Extensions.Options;
using VitalTwin.TwinState.History;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// The in-memory history store, with its queries held back or failing on demand: a settings simulation can be kept in
/// flight (to meet the concurrency bound or the time bound) or find the store unreachable. Writes always go through.
/// </summary>
public sealed class SimulatedHistory : IVitalsStore
{
    private readonly InMemoryVitalsStore _store = new(Options.Create(new HistoryOptions()));
    private TaskCompletionSource? _gate;
    private TaskCompletionSource _queried = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, every query fails the way an unreachable InfluxDB does.</summary>
    public bool Unreachable { get; set; }

    /// <summary>Holds every query until <see cref="Release"/> (or the caller's cancellation).</summary>
    public void Hold()
    {
        _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _queried = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release() => _gate?.TrySetResult();

    /// <summary>Completes once a query has arrived since <see cref="Hold"/>.</summary>
    public Task Queried => _queried.Task;

    public Task WriteAsync(IReadOnlyList<VitalPoint> points, CancellationToken ct) => _store.WriteAsync(points, ct);

    public async Task<IReadOnlyList<VitalSeries>> QueryAsync(HistoryQuery query, CancellationToken ct)
    {
        _queried.TrySetResult();
        if (Unreachable)
        {
            throw new HttpRequestException("Connection refused (simulated)");
        }
        if (_gate is { } gate)
        {
            await gate.Task.WaitAsync(ct);
        }
        return await _store.QueryAsync(query, ct);
    }

    public Task DeleteAsync(string patientId, CancellationToken ct) => _store.DeleteAsync(patientId, ct);
}
