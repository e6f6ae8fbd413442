using Google.Protobuf.WellKnownTypes;
using VitalTwin.Kafka;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.PersonalSettings;
using VitalTwin.Clinical.Settings;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Commands;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.Query;
using PatientTwin = VitalTwin.Contracts.Twin.V1.PatientTwin;

namespace VitalTwin.TwinState;

/// <summary>
/// TwinQuery over gRPC: checks the request, asks the registry, history or change feed, maps the answer. Only
/// clinicians call it, and each sees the patients on the wards their token grants; every access is recorded in
/// the audit trail before it is answered.
/// </summary>
[Authorize(Roles = Roles.Clinician)]
[BindServiceMethod(typeof(TwinQueryService), nameof(BindService))]
internal sealed class TwinQueryService(
    TwinRegistry twins,
    VitalCatalogue catalogue,
    TwinChangeFeed changes,
    IVitalsStore history,
    TimeProvider clock,
    AuditTrail audit,
    PatientRouter router,
    IOptions<TwinQueryOptions> options,
    PatientAccess access,
    CommandIssuer commands,
    IOptions<CommandOptions> commandOptions,
    IOptions<SettingsBounds> settingsBounds,
    ILogger<TwinQueryService> logger) : TwinQuery.TwinQueryBase
{
    private const string WatchAgain = "the replicas holding the twins changed or one stopped answering; watch again for every twin as it is now";

    public static void BindService(ServiceBinderBase binder, TwinQuery.TwinQueryBase? service) =>
        TwinQuery.BindService(new StrictRequestBinder(binder), service);

    public override async Task<PatientTwin> GetTwin(GetTwinRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var patientId = TwinRequests.PatientId(request.PatientId);
        if (router.Elsewhere(patientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).GetTwinAsync(request, call));
        }

        var twin = await access.VisibleTwinAsync(caller, patientId, context);
        var snapshot = twin.Snapshot();
        // The ward may have changed since it was checked; what is disclosed is this snapshot, so it decides.
        await access.EnsureVisibleAsync(caller, patientId, snapshot.Context.Ward, exists: true, context);
        await audit.RecordAsync(context, [patientId], AuditOutcome.Allowed, cancellationToken: context.CancellationToken);
        return snapshot.ToContract(catalogue);
    }

    public override async Task<ListTwinsResponse> ListTwins(ListTwinsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var settings = options.Value;
        var pageSize = TwinRequests.PageSize(request.PageSize, settings);
        var filter = await ScopedAsync(TwinRequests.Filter(request, settings), caller, context);
        var after = PageToken.Decode(request.PageToken, filter);
        // Every other holder lists its own twins after the same token, authorising and auditing what it returns. A
        // page of ours each: its next page token says whether it has more.
        var relayed = new ListTwinsRequest(request) { PageSize = pageSize };
        var elsewhere = router.Everywhere(context)
            .Select(holder => holder.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).ListTwinsAsync(relayed, call)))
            .ToList();
        var here = filter.Scan(twins, after, pageSize + 1).Take(pageSize + 1).ToList();
        // A holder that fails fails the call: a list silently missing some patients would pass for a whole one.
        var answers = await Task.WhenAll(elsewhere);

        // Two replicas may both hold a twin for a moment during a rebalance: it is listed once.
        var merged = here.Select(twin => twin.ToContract(catalogue))
            .Concat(answers.SelectMany(answer => answer.Twins))
            .DistinctBy(twin => twin.PatientId, StringComparer.Ordinal)
            .OrderBy(twin => twin.PatientId, StringComparer.Ordinal)
            .ToList();
        var listed = merged.Take(pageSize).ToList();
        var heldHere = here.Select(twin => twin.PatientId).ToHashSet(StringComparer.Ordinal);
        await audit.RecordAsync(context, listed.Select(t => t.PatientId).Where(heldHere.Contains).ToList(), AuditOutcome.Allowed, cancellationToken: context.CancellationToken);
        var response = new ListTwinsResponse();
        response.Twins.AddRange(listed);
        if (merged.Count > pageSize || answers.Any(answer => answer.NextPageToken.Length > 0))
        {
            // The last id and the filter, nothing of who holds what: any replica continues it, and a rebalance between
            // pages neither skips nor repeats a patient.
            response.NextPageToken = PageToken.Encode(listed[^1].PatientId, filter);
        }

        return response;
    }

    public override async Task WatchTwins(WatchTwinsRequest request, IServerStreamWriter<TwinChanged> responseStream, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var settings = options.Value;
        var filter = await ScopedAsync(TwinRequests.Filter(request, settings), caller, context);
        // Taken before the holders are asked for: a partition that changes holder after that ends the stream.
        var holdersChanged = router.HoldersChanged;
        var elsewhere = router.Everywhere(context);
        // Watching starts before the first twin is read, so a change made meanwhile is sent again, never lost.
        var watch = changes.TryWatch(filter.PatientIds);
        if (watch is null)
        {
            TwinQueryLog.WatchRefused(logger, settings.MaxWatches);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "too many twin watches are open; try again later"));
        }

        TwinQueryLog.WatchOpened(logger, changes.WatchCount);
        using var merged = new RelayedWatch<TwinChanged>(responseStream, WatchAgain, logger);
        var stream = new WatchStream(merged, filter, caller, (patientIds, cancellationToken) => audit.RecordAsync(context, patientIds, AuditOutcome.Allowed, cancellationToken: cancellationToken));
        try
        {
            // The stream lasts as long as the caller's token: a clinician whose access ended sees nothing more.
            await TokenExpiry.RunStreamAsync(
                caller,
                clock,
                cancellationToken => merged.RunAsync(
                    here => WatchHereAsync(stream, watch, here),
                    elsewhere,
                    (invoker, call) => new TwinQuery.TwinQueryClient(invoker).WatchTwins(request, call),
                    holdersChanged,
                    cancellationToken),
                context.CancellationToken);
        }
        finally
        {
            watch.Dispose();
            TwinQueryLog.WatchClosed(logger, stream.Sent, changes.WatchCount);
        }
    }

    /// <summary>The twins this replica holds: every one that matches now, then each change, until cancelled.</summary>
    private async Task WatchHereAsync(WatchStream stream, TwinWatch watch, CancellationToken cancellationToken)
    {
        await stream.SendMatchingAsync(twins, catalogue, TwinChangeReason.Initial, cancellationToken);
        while (true)
        {
            var batch = await watch.NextAsync(cancellationToken);
            if (batch.Resync)
            {
                TwinQueryLog.WatchResynced(logger, options.Value.WatchBacklog);
                await stream.SendMatchingAsync(twins, catalogue, TwinChangeReason.Updated, cancellationToken);
                continue;
            }

            foreach (var patientId in batch.PatientIds)
            {
                await stream.SendChangeAsync(twins, catalogue, patientId, cancellationToken);
            }
        }
    }

    public override async Task<VitalHistory> GetVitalHistory(GetVitalHistoryRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var query = TwinRequests.History(request, catalogue, clock.GetUtcNow());
        if (router.Elsewhere(query.PatientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).GetVitalHistoryAsync(request, call));
        }

        // History can outlive a twin (it is kept elsewhere); with no twin here there is no ward to judge by, so
        // only a caller granted every ward reads it.
        var exists = twins.TryGet(query.PatientId, out var twin);
        await access.EnsureVisibleAsync(caller, query.PatientId, twin?.Context.Ward, exists, context);
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
            await audit.RecordAsync(context, [query.PatientId], AuditOutcome.Failed, "history store unavailable", context.CancellationToken);
            throw new RpcException(new Status(StatusCode.Unavailable, "the vitals history store is unavailable; try again later"));
        }

        // Only a patient with neither a twin nor history is unknown.
        if (series.Count == 0 && !twins.TryGet(query.PatientId, out _))
        {
            await audit.RecordAsync(context, [query.PatientId], AuditOutcome.Failed, "no twin and no history", context.CancellationToken);
            throw TwinRequests.NotFound("no twin and no history for that patient");
        }

        await audit.RecordAsync(context, [query.PatientId], AuditOutcome.Allowed, cancellationToken: context.CancellationToken);
        return series.ToContract(query.PatientId, catalogue);
    }

    public override async Task<PatientTwin> SetPatientContext(SetPatientContextRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var patientContext = TwinRequests.Context(request, options.Value, caller.Subject, clock.GetUtcNow());
        var reason = TwinRequests.Reason(request.Reason, commandOptions.Value.MaxReasonLength, required: false);
        if (router.Elsewhere(TwinRequests.PatientId(request.PatientId), context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).SetPatientContextAsync(request, call));
        }

        var twin = await access.VisibleTwinAsync(caller, request.PatientId, context);
        var before = twin.Context;
        // A clinician moves patients only between wards of their own, and cannot make one unplaced (seen by nobody but every-ward staff).
        if (!caller.MaySee(patientContext.Ward))
        {
            await access.DenyAsync(context, twin.PatientId, patientContext.Ward is null ? "would clear the ward" : $"move to ward {patientContext.Ward} not granted");
        }

        var moved = !string.Equals(before.Ward, patientContext.Ward, StringComparison.Ordinal);
        var command = commands.Command(twin.PatientId, caller.Subject, reason);
        command.SetContext = patientContext.ToContract();
        var (applied, _) = await commands.IssueAsync(command, twin, moved ? $"ward {before.Ward} -> {patientContext.Ward}" : string.Empty, context);
        TwinQueryLog.ContextRecorded(logger, caller.Subject);
        return applied.ToContract(catalogue);
    }

    public override async Task<PatientTwin> AcknowledgeAnomaly(AcknowledgeAnomalyRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var (patientId, anomalyId) = TwinRequests.Acknowledgement(request);
        var reason = TwinRequests.Reason(request.Reason, commandOptions.Value.MaxReasonLength, required: false);
        if (router.Elsewhere(patientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).AcknowledgeAnomalyAsync(request, call));
        }

        var twin = await access.VisibleTwinAsync(caller, patientId, context);
        if (!twin.Snapshot().OpenAnomalies.Any(a => string.Equals(a.Id, anomalyId, StringComparison.Ordinal)))
        {
            await audit.RecordAsync(context, [patientId], AuditOutcome.Failed, anomalyId, context.CancellationToken);
            throw AnomalyNotFound();
        }

        var command = commands.Command(patientId, caller.Subject, reason);
        command.AcknowledgeAnomaly = new AcknowledgeAnomalyCommand { AnomalyId = anomalyId, Verdict = request.Verdict };
        var (applied, tookEffect) = await commands.IssueAsync(command, twin, request.Verdict == Contracts.Twin.V1.AnomalyVerdict.Unspecified ? anomalyId : $"{anomalyId}; verdict: {request.Verdict}", context);
        if (!tookEffect)
        {
            // Expired or acknowledged by someone else between the look above and the command's turn.
            throw AnomalyNotFound();
        }

        TwinQueryLog.AnomalyAcknowledged(logger, caller.Subject);
        return applied.ToContract(catalogue);
    }

    public override async Task<PatientTwin> ChangeAlarmSettings(ChangeAlarmSettingsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var patientId = TwinRequests.PatientId(request.PatientId);
        var reason = TwinRequests.Reason(request.Reason, commandOptions.Value.MaxReasonLength, required: true);
        var bounds = settingsBounds.Value;
        var validFor = TwinRequests.Validity(request, bounds);
        // The expiry is fixed now, when the command is issued: a command applied late or replayed expires all the same.
        var command = commands.Command(patientId, caller.Subject, reason);
        var issuedAt = command.IssuedAt.ToDateTimeOffset();
        var change = TwinRequests.SettingsChange(request.Change, "change", bounds, catalogue, new Clinical.Settings.SettingProvenance(reason, caller.Subject, issuedAt, issuedAt + validFor));
        if (router.Elsewhere(patientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinQuery.TwinQueryClient(invoker).ChangeAlarmSettingsAsync(request, call));
        }

        var twin = await access.VisibleTwinAsync(caller, patientId, context);
        command.ChangeSettings = change.ToContract(catalogue);
        command.SettingsExpireAt = Timestamp.FromDateTimeOffset(issuedAt + validFor);
        var (applied, _) = await commands.IssueAsync(command, twin, $"{Describe(change)} until {issuedAt + validFor:O}", context);
        TwinQueryLog.AlarmSettingsChanged(logger, caller.Subject);
        return applied.ToContract(catalogue);
    }

    /// <summary>Which settings a change sets or clears, by name, for the audit trail (no limit values: they are vital values).</summary>
    private string Describe(Clinical.Settings.AlarmSettingsChange change)
    {
        var named = change.Set.Select(setting => $"set {catalogue[setting.Sign].Name}")
            .Concat(change.Clear.Select(sign => $"clear {catalogue[sign].Name}"))
            .ToList();
        if (change.SetSpO2Scale2 is not null || change.ClearSpO2Scale2)
        {
            named.Add(change.ClearSpO2Scale2 ? "clear SpO2 scale 2" : "set SpO2 scale 2");
        }

        return string.Join(", ", named);
    }

    private static RpcException AnomalyNotFound() =>
        TwinRequests.NotFound("no open anomaly with that id for that patient (unknown, acknowledged or expired)");

    /// <summary>The filter narrowed to the caller's wards; a ward asked for outside them is refused.</summary>
    private async Task<TwinFilter> ScopedAsync(TwinFilter filter, Caller caller, ServerCallContext context)
    {
        if (filter.Ward is { } ward && !caller.MaySee(ward))
        {
            await audit.RecordAsync(context, [], AuditOutcome.Denied, $"ward {ward} not granted", context.CancellationToken);
            TwinQueryLog.WardRefused(logger, context.Method);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "that ward is not one your token grants"));
        }

        if (caller.CoversEveryWard)
        {
            return filter;
        }

        var wards = caller.Wards.ToHashSet(StringComparer.Ordinal);
        // One ward granted and none asked for is a ward filter, which the registry answers from its ward index.
        return filter.Ward is null && wards.Count == 1
            ? filter with { Ward = wards.First(), Wards = wards }
            : filter with { Wards = wards };
    }

    /// <summary>
    /// One watch's side of the stream: which patients the caller was last told match, what was sent, and which
    /// patients were already recorded in the audit trail (each is recorded once per stream, before it is first sent).
    /// </summary>
    private sealed class WatchStream(
        IServerStreamWriter<TwinChanged> stream,
        TwinFilter filter,
        Caller caller,
        Func<IReadOnlyCollection<string>, CancellationToken, Task> recordAccess)
    {
        private const int ScanBatch = 256;
        private readonly HashSet<string> _matching = new(StringComparer.Ordinal);
        private readonly HashSet<string> _recorded = new(StringComparer.Ordinal);

        public long Sent { get; private set; }

        /// <summary>Every twin that matches now; a twin that matched before and no longer does is said to have left.</summary>
        public async Task SendMatchingAsync(TwinRegistry twins, VitalCatalogue catalogue, TwinChangeReason reason, CancellationToken cancellationToken)
        {
            var before = _matching.ToHashSet(StringComparer.Ordinal);
            // Recorded a batch at a time: one audit round trip per batch of patients, not per patient.
            foreach (var batch in filter.Scan(twins, afterPatientId: null, wanted: ScanBatch).Chunk(ScanBatch))
            {
                await RecordFirstAccessAsync(batch.Select(t => t.PatientId), cancellationToken);
                foreach (var twin in batch)
                {
                    before.Remove(twin.PatientId);
                    _matching.Add(twin.PatientId);
                    await SendAsync(twin.ToContract(catalogue), reason, cancellationToken);
                }
            }

            foreach (var patientId in before.Order(StringComparer.Ordinal))
            {
                await SendChangeAsync(twins, catalogue, patientId, cancellationToken);
            }
        }

        public async Task SendChangeAsync(TwinRegistry twins, VitalCatalogue catalogue, string patientId, CancellationToken cancellationToken)
        {
            if (!twins.TryGet(patientId, out var twin))
            {
                if (_matching.Remove(patientId))
                {
                    await SendAsync(new PatientTwin { PatientId = patientId }, TwinChangeReason.Removed, cancellationToken);
                }

                return;
            }

            var snapshot = twin!.Snapshot();
            if (filter.Matches(snapshot))
            {
                await RecordFirstAccessAsync([patientId], cancellationToken);
                _matching.Add(patientId);
                await SendAsync(snapshot.ToContract(catalogue), TwinChangeReason.Updated, cancellationToken);
            }
            else if (_matching.Remove(patientId))
            {
                // Moved to a ward the caller is not granted: told that it left, but not what it now is.
                var left = caller.MaySee(snapshot.Context.Ward) ? snapshot.ToContract(catalogue) : new PatientTwin { PatientId = patientId };
                await SendAsync(left, TwinChangeReason.LeftFilter, cancellationToken);
            }
        }

        private async Task RecordFirstAccessAsync(IEnumerable<string> patientIds, CancellationToken cancellationToken)
        {
            var first = patientIds.Where(id => !_recorded.Contains(id)).ToList();
            if (first.Count == 0)
            {
                return;
            }

            await recordAccess(first, cancellationToken);
            _recorded.UnionWith(first);
        }

        private async Task SendAsync(PatientTwin twin, TwinChangeReason reason, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(new TwinChanged { Twin = twin, Reason = reason }, cancellationToken);
            Sent++;
        }
    }
}
