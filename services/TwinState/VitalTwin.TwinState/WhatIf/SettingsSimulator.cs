using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.Query;
using Domain = VitalTwin.Clinical.Settings;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// SimulateSettings for a patient this replica holds and the caller may see: the request checked against the bounds of
/// personal settings and the window, then the patient's history read and replayed (<see cref="SettingsReplay"/>) within
/// this replica's bounds on concurrent simulations and on time, and audited like a read.
/// </summary>
internal sealed class SettingsSimulator(
    SettingsReplay replay,
    SettingsSimulationHistory history,
    IOptions<WhatIfOptions> options,
    IOptions<SettingsBounds> bounds,
    VitalCatalogue catalogue,
    AuditTrail audit,
    TimeProvider clock,
    ILogger<SettingsSimulator> logger) : IDisposable
{
    public const string AuditDetail = "settings simulation";

    private readonly SemaphoreSlim _running = new(options.Value.MaxConcurrentSimulations, options.Value.MaxConcurrentSimulations);

    public async Task<SettingsSimulation> SimulateAsync(SimulateSettingsRequest request, Core.PatientTwin twin, Caller caller, ServerCallContext context)
    {
        var window = Window(request);
        var proposed = Proposed(request, caller);
        var snapshot = twin.Snapshot();
        var to = (snapshot.AsOf ?? clock.GetUtcNow()).AddTicks(1);
        var from = to - window;
        var current = snapshot.SettingsInForce;
        if (!_running.Wait(0))
        {
            SettingsSimulationLog.Refused(logger, options.Value.MaxConcurrentSimulations);
            await audit.RecordAsync(context, [twin.PatientId], AuditOutcome.Failed, $"{AuditDetail}: replica busy", context.CancellationToken);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"this replica already runs its maximum of {options.Value.MaxConcurrentSimulations} settings simulations; try again shortly"));
        }
        try
        {
            using var bounded = new CancellationTokenSource(options.Value.SimulationTimeout, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, bounded.Token);
            var started = clock.GetTimestamp();
            try
            {
                var readings = await history.ReadAsync(twin.PatientId, from, to, linked.Token);
                var result = await replay.RunAsync(
                    new SettingsSimulationInput(twin.PatientId, readings, from, to, snapshot.Context, current, current.With(proposed, current.Version, clock.GetUtcNow()), ConfirmedAnomalies(snapshot)),
                    linked.Token);
                SettingsSimulationLog.Simulated(logger, result.ReadingsReplayed, clock.GetElapsedTime(started).TotalMilliseconds, result.Disappeared.Count, result.Appeared.Count);
                await audit.RecordAsync(context, [twin.PatientId], AuditOutcome.Allowed, AuditDetail, context.CancellationToken);
                return result.ToContract(twin.PatientId, catalogue);
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                SettingsSimulationLog.TimedOut(logger, options.Value.SimulationTimeout);
                await audit.RecordAsync(context, [twin.PatientId], AuditOutcome.Failed, $"{AuditDetail}: past its time bound", context.CancellationToken);
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the simulation took longer than {options.Value.SimulationTimeout}; ask for a shorter window"));
            }
            catch (InvalidHistoryQueryException e)
            {
                throw TwinRequests.Invalid(e);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException
                || (e is OperationCanceledException && !linked.IsCancellationRequested))
            {
                SettingsSimulationLog.HistoryUnavailable(logger, e.GetType().Name);
                await audit.RecordAsync(context, [twin.PatientId], AuditOutcome.Failed, $"{AuditDetail}: history store unavailable", context.CancellationToken);
                throw new RpcException(new Status(StatusCode.Unavailable, "the vitals history store is unavailable; try again later"));
            }
        }
        finally
        {
            _running.Release();
        }
    }

    public void Dispose() => _running.Dispose();

    private TimeSpan Window(SimulateSettingsRequest request)
    {
        if (request.Window is null)
        {
            return options.Value.DefaultWindow;
        }
        var window = request.Window.ToTimeSpan();
        return window <= TimeSpan.Zero || window > options.Value.MaxWindow
            ? throw TwinRequests.Invalid($"window must be positive and at most {options.Value.MaxWindow}")
            : window;
    }

    /// <summary>The proposed change in domain terms, every setting checked against the deployment's bounds.</summary>
    private Domain.AlarmSettingsChange Proposed(SimulateSettingsRequest request, Caller caller)
    {
        var now = clock.GetUtcNow();
        var provenance = new Domain.SettingProvenance("proposed in a settings simulation", caller.Subject, now, now + bounds.Value.DefaultValidity);
        return TwinRequests.SettingsChange(request.Proposed, "proposed", bounds.Value, catalogue, provenance, mayBeEmpty: true);
    }

    private static IReadOnlyList<ConfirmedAnomaly> ConfirmedAnomalies(Core.TwinSnapshot snapshot) =>
        [.. snapshot.Acknowledged
            .Where(acknowledged => acknowledged.Verdict == Core.AnomalyVerdict.Real)
            .Select(acknowledged => new ConfirmedAnomaly(acknowledged.Anomaly.Id, acknowledged.Anomaly.Sign, acknowledged.Anomaly.ObservedAt))];
}
