using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.PersonalSettings;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using SettingProvenance = VitalTwin.Clinical.Settings.SettingProvenance;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.History;
using Consciousness = VitalTwin.Clinical.Consciousness;
using PatientContext = VitalTwin.TwinState.Core.PatientContext;
using SpO2Scale = VitalTwin.Clinical.SpO2Scale;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// Checks TwinQuery requests and turns them into what the domain takes; anything malformed is refused with
/// INVALID_ARGUMENT naming the field. Messages never quote a patient id.
/// </summary>
internal static class TwinRequests
{
    /// <summary>The highest aggregate NEWS2 there is: seven parameters, 3 at most each, air/oxygen 2.</summary>
    private const int MaxNews2 = 20;

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    /// <summary>The store's reason, which names limits but never patients or values, without .NET's parameter suffix.</summary>
    public static RpcException Invalid(InvalidHistoryQueryException refused)
    {
        var reason = refused.ParamName is { } parameter ? refused.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal) : refused.Message;
        return Invalid($"the history query was refused: {reason}");
    }

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static string PatientId(string patientId) =>
        string.IsNullOrWhiteSpace(patientId) ? throw Invalid("patient_id is required") : patientId;

    public static TwinFilter Filter(ListTwinsRequest request, TwinQueryOptions options) =>
        new(Label(request.Ward, "ward", options, required: false), MinNews2(request.MinNews2), request.WithOpenAnomalies, PatientIds: null);

    public static TwinFilter Filter(WatchTwinsRequest request, TwinQueryOptions options)
    {
        HashSet<string>? patientIds = null;
        if (request.PatientIds.Count > 0)
        {
            if (request.PatientIds.Count > options.MaxWatchedPatients)
            {
                throw Invalid($"patient_ids may name at most {options.MaxWatchedPatients} patients");
            }

            if (request.PatientIds.Any(string.IsNullOrWhiteSpace))
            {
                throw Invalid("patient_ids must not contain an empty id");
            }

            patientIds = new HashSet<string>(request.PatientIds, StringComparer.Ordinal);
        }

        return new(Label(request.Ward, "ward", options, required: false), MinNews2(request.MinNews2), WithOpenAnomalies: false, patientIds);
    }

    public static int PageSize(int requested, TwinQueryOptions options) => requested switch
    {
        < 0 => throw Invalid("page_size must not be negative"),
        0 => options.DefaultPageSize,
        _ => Math.Min(requested, options.MaxPageSize),
    };

    public static HistoryQuery History(GetVitalHistoryRequest request, VitalCatalogue catalogue, DateTimeOffset now)
    {
        var patientId = PatientId(request.PatientId);
        if (request.From is null)
        {
            throw Invalid("from is required");
        }

        var from = Time(request.From, "from");
        var to = request.To is null ? now : Time(request.To, "to");
        TimeSpan? window = null;
        if (request.AggregationWindow is { } duration)
        {
            window = Span(duration, "aggregation_window");
            if (window <= TimeSpan.Zero)
            {
                throw Invalid("aggregation_window must be positive; leave it unset for raw readings");
            }
        }

        // History is kept under each vital's main LOINC code; an alias asks for the same series.
        var loincs = new List<string>(request.LoincCodes.Count);
        foreach (var code in request.LoincCodes)
        {
            loincs.Add(catalogue.TryFind(code, null, out var definition)
                ? definition.Loinc
                : throw Invalid("loinc_codes names a code that is not a vital this service records"));
        }

        return new HistoryQuery(patientId, loincs, from, to, window);
    }

    /// <summary>
    /// The context as the request records it, by <paramref name="recordedBy"/> (the token's subject) at
    /// <paramref name="now"/>; the request's recorded_by and the context's own recorded_by and recorded_at are ignored.
    /// </summary>
    public static PatientContext Context(SetPatientContextRequest request, TwinQueryOptions options, string recordedBy, DateTimeOffset now)
    {
        PatientId(request.PatientId);
        var context = request.Context ?? throw Invalid("context is required");
        return new PatientContext(
            context.HasOnSupplementalOxygen ? context.OnSupplementalOxygen : null,
            context.Spo2Scale switch
            {
                Contracts.Twin.V1.SpO2Scale.Unspecified or Contracts.Twin.V1.SpO2Scale.Scale1 => SpO2Scale.Scale1,
                Contracts.Twin.V1.SpO2Scale.Scale2 => SpO2Scale.Scale2,
                _ => throw Invalid("context.spo2_scale is not a known scale"),
            },
            context.Consciousness switch
            {
                Contracts.Twin.V1.Consciousness.Unspecified => null,
                Contracts.Twin.V1.Consciousness.Alert => Consciousness.Alert,
                Contracts.Twin.V1.Consciousness.NewConfusion => Consciousness.NewConfusion,
                Contracts.Twin.V1.Consciousness.Voice => Consciousness.Voice,
                Contracts.Twin.V1.Consciousness.Pain => Consciousness.Pain,
                Contracts.Twin.V1.Consciousness.Unresponsive => Consciousness.Unresponsive,
                _ => throw Invalid("context.consciousness is not a known level"),
            },
            Label(context.Ward, "context.ward", options, required: false),
            Label(context.Bed, "context.bed", options, required: false),
            recordedBy,
            now);
    }

    /// <summary>The patient and anomaly acknowledged; the request's acknowledged_by is ignored (the token's subject acknowledges).</summary>
    public static (string PatientId, string AnomalyId) Acknowledgement(AcknowledgeAnomalyRequest request)
    {
        var patientId = PatientId(request.PatientId);
        if (string.IsNullOrWhiteSpace(request.AnomalyId))
        {
            throw Invalid("anomaly_id is required");
        }

        if (!System.Enum.IsDefined(request.Verdict))
        {
            throw Invalid("verdict is not a known verdict");
        }

        return (patientId, request.AnomalyId);
    }

    /// <summary>A clinician's reason for a command: empty when optional and not given.</summary>
    public static string Reason(string reason, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return required ? throw Invalid("reason is required") : string.Empty;
        }

        return reason.Length > maxLength || reason.Any(c => char.IsControl(c) && c is not '\n')
            ? throw Invalid($"reason must be at most {maxLength} characters without control characters other than line breaks")
            : reason;
    }

    /// <summary>
    /// The settings change a request asks for (<paramref name="field"/> names it in refusals), with
    /// <paramref name="provenance"/> on everything it sets, refused with the bound named when any setting crosses
    /// <paramref name="bounds"/>; the request's own provenance is ignored.
    /// </summary>
    public static Clinical.Settings.AlarmSettingsChange SettingsChange(
        Contracts.Twin.V1.AlarmSettingsChange? change, string field, SettingsBounds bounds, VitalCatalogue catalogue, SettingProvenance provenance, bool mayBeEmpty = false)
    {
        if (change is null)
        {
            throw Invalid($"{field} is required");
        }

        foreach (var code in change.Set.Select(s => s.Code).Concat(change.Clear))
        {
            if (!catalogue.TryFind(code?.Loinc, code?.Mdc, out _))
            {
                throw Invalid($"{field} names a vital this service does not know");
            }
        }

        if (change.Set.Any(s => !System.Enum.IsDefined(s.Sensitivity)))
        {
            throw Invalid($"{field}.set has a sensitivity that is not a known one");
        }

        Clinical.Settings.AlarmSettingsChange domain;
        try
        {
            domain = change.ToDomain(catalogue, provenance);
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field}.set has a hold_time that is not a valid duration");
        }

        if (domain.IsEmpty && !mayBeEmpty)
        {
            throw Invalid($"{field} names no setting to set or clear");
        }

        var named = domain.Set.Select(s => s.Sign).Concat(domain.Clear).ToList();
        if (named.Count != named.Distinct().Count())
        {
            throw Invalid($"{field} names a vital more than once");
        }

        foreach (var setting in domain.Set)
        {
            if (bounds.Violation(setting, catalogue) is { } violation)
            {
                throw Invalid(violation);
            }
        }

        return domain;
    }

    /// <summary>How long the settings stay in force: the deployment's default when the request does not say, never over its maximum.</summary>
    public static TimeSpan Validity(ChangeAlarmSettingsRequest request, SettingsBounds bounds)
    {
        var validFor = request.ValidFor is null ? bounds.DefaultValidity : Span(request.ValidFor, "valid_for");
        return bounds.ValidityViolation(validFor) is { } violation ? throw Invalid(violation) : validFor;
    }

    private static int MinNews2(int value) =>
        value is < 0 or > MaxNews2 ? throw Invalid($"min_news2 must be between 0 and {MaxNews2}") : value;

    /// <summary>A ward, bed or clinician: null when empty and optional.</summary>
    private static string? Label(string value, string field, TwinQueryOptions options, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? throw Invalid($"{field} is required") : null;
        }

        if (value.Length > options.MaxLabelLength || value.Any(char.IsControl))
        {
            throw Invalid($"{field} must be at most {options.MaxLabelLength} characters without control characters");
        }

        return value;
    }

    private static DateTimeOffset Time(Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field} is not a valid timestamp");
        }
    }

    private static TimeSpan Span(Duration duration, string field)
    {
        try
        {
            return duration.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field} is not a valid duration");
        }
    }
}
