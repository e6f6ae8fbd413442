using Google.Protobuf.WellKnownTypes;
using VitalTwin.Kafka;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.Query;
using PatientTwin = VitalTwin.Contracts.Twin.V1.PatientTwin;

namespace VitalTwin.TwinState;

/// <summary>TwinQuery over gRPC: checks the request, asks the registry, history or change feed, maps the answer.</summary>
[BindServiceMethod(typeof(TwinQueryService), nameof(BindService))]
internal sealed class TwinQueryService(
    TwinRegistry twins,
    VitalCatalogue catalogue,
    TwinChangeFeed changes,
    IVitalsStore history,
    TimeProvider clock,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    IOptions<TwinQueryOptions> options,
    ILogger<TwinQueryService> logger) : TwinQuery.TwinQueryBase
{
    public static void BindService(ServiceBinderBase binder, TwinQuery.TwinQueryBase? service) =>
        TwinQuery.BindService(new StrictRequestBinder(binder), service);

    public override Task<PatientTwin> GetTwin(GetTwinRequest request, ServerCallContext context) =>
        Task.FromResult(Find(TwinRequests.PatientId(request.PatientId)).Snapshot().ToContract(catalogue));

    public override Task<ListTwinsResponse> ListTwins(ListTwinsRequest request, ServerCallContext context)
    {
        var settings = options.Value;
        var pageSize = TwinRequests.PageSize(request.PageSize, settings);
        var filter = TwinRequests.Filter(request, settings);
        var after = PageToken.Decode(request.PageToken, filter);
        var page = filter.Scan(twins, after, pageSize + 1).Take(pageSize + 1).ToList();
        var response = new ListTwinsResponse();
        response.Twins.AddRange(page.Take(pageSize).Select(t => t.ToContract(catalogue)));
        if (page.Count > pageSize)
        {
            response.NextPageToken = PageToken.Encode(page[pageSize - 1].PatientId, filter);
        }

        return Task.FromResult(response);
    }

    public override async Task WatchTwins(WatchTwinsRequest request, IServerStreamWriter<TwinChanged> responseStream, ServerCallContext context)
    {
        var settings = options.Value;
        var filter = TwinRequests.Filter(request, settings);
        // Watching starts before the first twin is read, so a change made meanwhile is sent again, never lost.
        var watch = changes.TryWatch(filter.PatientIds);
        if (watch is null)
        {
            TwinQueryLog.WatchRefused(logger, settings.MaxWatches);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many twin watches are open; try again later"));
        }

        TwinQueryLog.WatchOpened(logger, changes.WatchCount);
        var stream = new WatchStream(responseStream, filter, context.CancellationToken);
        try
        {
            await stream.SendMatchingAsync(twins, catalogue, TwinChangeReason.Initial);
            while (true)
            {
                var batch = await watch.NextAsync(context.CancellationToken);
                if (batch.Resync)
                {
                    TwinQueryLog.WatchResynced(logger, settings.WatchBacklog);
                    await stream.SendMatchingAsync(twins, catalogue, TwinChangeReason.Updated);
                    continue;
                }

                foreach (var patientId in batch.PatientIds)
                {
                    await stream.SendChangeAsync(twins, catalogue, patientId);
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller went away or its deadline passed: the end of every watch.
        }
        finally
        {
            watch.Dispose();
            TwinQueryLog.WatchClosed(logger, stream.Sent, changes.WatchCount);
        }
    }

    public override async Task<VitalHistory> GetVitalHistory(GetVitalHistoryRequest request, ServerCallContext context)
    {
        var query = TwinRequests.History(request, catalogue, clock.GetUtcNow());
        IReadOnlyList<History.VitalSeries> series;
        try
        {
            series = await history.QueryAsync(query, context.CancellationToken);
        }
        catch (InvalidHistoryQueryException e)
        {
            throw TwinRequests.Invalid(e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException
            || (e is OperationCanceledException && !context.CancellationToken.IsCancellationRequested))
        {
            TwinQueryLog.HistoryUnavailable(logger, e.GetType().Name);
            throw new RpcException(new Status(StatusCode.Unavailable, "the vitals history store is unavailable; try again later"));
        }

        // History can outlive a twin (it is kept elsewhere), so only a patient with neither is unknown.
        if (series.Count == 0 && !twins.TryGet(query.PatientId, out _))
        {
            throw TwinRequests.NotFound("no twin and no history for that patient");
        }

        return series.ToContract(query.PatientId, catalogue);
    }

    public override async Task<PatientTwin> SetPatientContext(SetPatientContextRequest request, ServerCallContext context)
    {
        var patientContext = TwinRequests.Context(request, options.Value);
        var twin = Find(request.PatientId);
        var before = twin.Context;
        var change = twin.SetContext(patientContext);
        if (before != patientContext)
        {
            changes.Publish(twin.PatientId);
        }
        var snapshot = twin.Snapshot();
        if (change.News2Changed)
        {
            // Oxygen or a new confusion can move NEWS2 across a threshold with no new reading: the alert policy must hear of it.
            var changed = change.ToNews2Changed($"context/{Guid.CreateVersion7()}", twin.PatientId, snapshot, Timestamp.FromDateTimeOffset(clock.GetUtcNow()), catalogue);
            await producer.PublishAsync(topics.Value.TwinEvents, twin.PatientId, changed, changed.EventId, context.CancellationToken);
        }

        TwinQueryLog.ContextRecorded(logger, request.RecordedBy);
        return snapshot.ToContract(catalogue);
    }

    public override Task<PatientTwin> AcknowledgeAnomaly(AcknowledgeAnomalyRequest request, ServerCallContext context)
    {
        var (patientId, anomalyId) = TwinRequests.Acknowledgement(request, options.Value);
        var twin = Find(patientId);
        if (!twin.AcknowledgeAnomaly(anomalyId))
        {
            throw TwinRequests.NotFound("no open anomaly with that id for that patient (unknown, acknowledged or expired)");
        }

        changes.Publish(patientId);
        TwinQueryLog.AnomalyAcknowledged(logger, request.AcknowledgedBy);
        return Task.FromResult(twin.Snapshot().ToContract(catalogue));
    }

    private Core.PatientTwin Find(string patientId) =>
        twins.TryGet(patientId, out var twin) ? twin! : throw TwinRequests.NotFound("no twin for that patient");

    /// <summary>One watch's side of the stream: which patients the caller was last told match, and what was sent.</summary>
    private sealed class WatchStream(IServerStreamWriter<TwinChanged> stream, TwinFilter filter, CancellationToken cancellationToken)
    {
        private const int ScanBatch = 256;
        private readonly HashSet<string> _matching = new(StringComparer.Ordinal);

        public long Sent { get; private set; }

        /// <summary>Every twin that matches now; a twin that matched before and no longer does is said to have left.</summary>
        public async Task SendMatchingAsync(TwinRegistry twins, VitalCatalogue catalogue, TwinChangeReason reason)
        {
            var before = _matching.ToHashSet(StringComparer.Ordinal);
            foreach (var twin in filter.Scan(twins, afterPatientId: null, wanted: ScanBatch))
            {
                before.Remove(twin.PatientId);
                _matching.Add(twin.PatientId);
                await SendAsync(twin.ToContract(catalogue), reason);
            }

            foreach (var patientId in before.Order(StringComparer.Ordinal))
            {
                await SendChangeAsync(twins, catalogue, patientId);
            }
        }

        public async Task SendChangeAsync(TwinRegistry twins, VitalCatalogue catalogue, string patientId)
        {
            if (!twins.TryGet(patientId, out var twin))
            {
                if (_matching.Remove(patientId))
                {
                    await SendAsync(new PatientTwin { PatientId = patientId }, TwinChangeReason.Removed);
                }

                return;
            }

            var snapshot = twin!.Snapshot();
            if (filter.Matches(snapshot))
            {
                _matching.Add(patientId);
                await SendAsync(snapshot.ToContract(catalogue), TwinChangeReason.Updated);
            }
            else if (_matching.Remove(patientId))
            {
                await SendAsync(snapshot.ToContract(catalogue), TwinChangeReason.LeftFilter);
            }
        }

        private async Task SendAsync(PatientTwin twin, TwinChangeReason reason)
        {
            await stream.WriteAsync(new TwinChanged { Twin = twin, Reason = reason }, cancellationToken);
            Sent++;
        }
    }
}
