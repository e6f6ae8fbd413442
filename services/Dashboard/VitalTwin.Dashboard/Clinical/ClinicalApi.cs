using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.SignIn;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>
/// TwinQuery, TwinWhatIf and AlertDesk as the signed-in user: every call carries their own access token and the purpose of
/// use, so the services scope, authorise and audit it as that user. The dashboard itself holds no credential.
/// </summary>
public sealed class ClinicalApi(
    TwinQuery.TwinQueryClient twins,
    TwinWhatIf.TwinWhatIfClient whatIf,
    AlertDesk.AlertDeskClient alerts,
    AuthenticationStateProvider authentication,
    IOptions<DashboardOptions> options)
{
    private const int PageSize = 200;

    public async Task<ClinicianIdentity> IdentityAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return ClinicianIdentity.From(state.User) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not signed in"));
    }

    public async Task<PatientTwin> GetTwinAsync(string patientId, CancellationToken cancellationToken) =>
        await twins.GetTwinAsync(new GetTwinRequest { PatientId = patientId }, await HeadersAsync(), cancellationToken: cancellationToken);

    /// <summary>Every twin on <paramref name="ward"/> (every ward the user may see when empty), page by page.</summary>
    public async Task<IReadOnlyList<PatientTwin>> ListTwinsAsync(string ward, CancellationToken cancellationToken)
    {
        var headers = await HeadersAsync();
        var found = new List<PatientTwin>();
        var request = new ListTwinsRequest { Ward = ward, PageSize = PageSize };
        do
        {
            var page = await twins.ListTwinsAsync(request, headers, cancellationToken: cancellationToken);
            found.AddRange(page.Twins);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return found;
    }

    public async Task<AsyncServerStreamingCall<TwinChanged>> WatchTwinsAsync(WatchTwinsRequest request, CancellationToken cancellationToken) =>
        twins.WatchTwins(request, await HeadersAsync(), cancellationToken: cancellationToken);

    public async Task<VitalHistory> GetHistoryAsync(string patientId, DateTimeOffset from, DateTimeOffset to, TimeSpan window, CancellationToken cancellationToken) =>
        await twins.GetVitalHistoryAsync(
            new GetVitalHistoryRequest
            {
                PatientId = patientId,
                From = Timestamp.FromDateTimeOffset(from),
                To = Timestamp.FromDateTimeOffset(to),
                AggregationWindow = Duration.FromTimeSpan(window),
            },
            await HeadersAsync(),
            cancellationToken: cancellationToken);

    public async Task<PatientTwin> SetContextAsync(string patientId, PatientContext context, CancellationToken cancellationToken)
    {
        var identity = await IdentityAsync();
        return await twins.SetPatientContextAsync(
            new SetPatientContextRequest { PatientId = patientId, Context = context, RecordedBy = identity.DisplayName },
            await HeadersAsync(),
            cancellationToken: cancellationToken);
    }

    /// <summary>The token's subject is recorded as the author; <paramref name="validFor"/> null takes the deployment's default.</summary>
    public async Task<PatientTwin> ChangeAlarmSettingsAsync(string patientId, AlarmSettingsChange change, string reason, TimeSpan? validFor, CancellationToken cancellationToken)
    {
        var request = new ChangeAlarmSettingsRequest { PatientId = patientId, Change = change, Reason = reason };
        if (validFor is { } validity)
        {
            request.ValidFor = Duration.FromTimeSpan(validity);
        }
        return await twins.ChangeAlarmSettingsAsync(request, await HeadersAsync(), cancellationToken: cancellationToken);
    }

    public async Task<PatientTwin> AcknowledgeAnomalyAsync(string patientId, string anomalyId, AnomalyVerdict verdict, string reason, CancellationToken cancellationToken) =>
        await twins.AcknowledgeAnomalyAsync(
            new AcknowledgeAnomalyRequest { PatientId = patientId, AnomalyId = anomalyId, Verdict = verdict, Reason = reason },
            await HeadersAsync(),
            cancellationToken: cancellationToken);

    public async Task<SettingsSimulation> SimulateSettingsAsync(string patientId, AlarmSettingsChange proposed, TimeSpan window, CancellationToken cancellationToken) =>
        await whatIf.SimulateSettingsAsync(
            new SimulateSettingsRequest { PatientId = patientId, Proposed = proposed, Window = Duration.FromTimeSpan(window) },
            await HeadersAsync(),
            cancellationToken: cancellationToken);

    public async Task<Projection> ProjectAsync(ProjectRequest request, CancellationToken cancellationToken) =>
        await whatIf.ProjectAsync(request, await HeadersAsync(), cancellationToken: cancellationToken);

    /// <summary>The alerts the user may see, newest first: open ones, or with <paramref name="resolvedToo"/> every state.</summary>
    public async Task<IReadOnlyList<AlertView>> ListAlertsAsync(string patientId, bool resolvedToo, CancellationToken cancellationToken)
    {
        var headers = await HeadersAsync();
        var filter = new AlertFilter { PatientId = patientId };
        if (resolvedToo)
        {
            filter.States.AddRange(System.Enum.GetValues<AlertState>().Where(s => s != AlertState.Unspecified));
        }
        var found = new List<AlertView>();
        var request = new ListAlertsRequest { Filter = filter, PageSize = PageSize };
        do
        {
            var page = await alerts.ListAlertsAsync(request, headers, cancellationToken: cancellationToken);
            found.AddRange(page.Alerts);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return found;
    }

    public async Task<AsyncServerStreamingCall<AlertView>> WatchAlertsAsync(CancellationToken cancellationToken) =>
        alerts.WatchAlerts(new WatchAlertsRequest { Filter = new AlertFilter() }, await HeadersAsync(), cancellationToken: cancellationToken);

    public async Task<AlertView> AcknowledgeAsync(string alertId, string note, CancellationToken cancellationToken) =>
        await alerts.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alertId, Note = note }, await HeadersAsync(), cancellationToken: cancellationToken);

    public async Task<AlertView> SilenceAsync(string alertId, TimeSpan duration, string reason, CancellationToken cancellationToken) =>
        await alerts.SilenceAsync(
            new SilenceAlertRequest { AlertId = alertId, Duration = Duration.FromTimeSpan(duration), Reason = reason },
            await HeadersAsync(),
            cancellationToken: cancellationToken);

    public async Task<AlertView> ResolveAsync(string alertId, string note, CancellationToken cancellationToken) =>
        await alerts.ResolveAsync(new ResolveAlertRequest { AlertId = alertId, Note = note }, await HeadersAsync(), cancellationToken: cancellationToken);

    private async Task<Metadata> HeadersAsync()
    {
        var identity = await IdentityAsync();
        return new Metadata
        {
            { "authorization", $"Bearer {identity.AccessToken}" },
            { ApiAuthentication.PurposeHeader, options.Value.PurposeOfUse },
        };
    }
}
