using System.Collections.Frozen;
using System.Reflection;
using Google.Protobuf.Reflection;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using VitalTwin.Contracts.Telemetry.V1;
using IssueSeverity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity;
using IssueType = Hl7.Fhir.Model.OperationOutcome.IssueType;

namespace VitalTwin.Gateway.Fhir;

/// <summary>The door's answers: OperationOutcome issues, the HTTP status and issue code of each refusal, FHIR JSON responses.</summary>
internal static class FhirOutcomes
{
    public const string MediaType = "application/fhir+json";

    public static OperationOutcome.IssueComponent Issue(IssueSeverity severity, IssueType code, string text, string? expression = null)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = code, Details = new CodeableConcept { Text = text } };
        if (expression is not null)
        {
            issue.Expression = [expression];
        }
        return issue;
    }

    public static OperationOutcome.IssueComponent Error(IssueType code, string text, string? expression = null) =>
        Issue(IssueSeverity.Error, code, text, expression);

    public static OperationOutcome Outcome(IEnumerable<OperationOutcome.IssueComponent> issues) => new() { Issue = [.. issues] };

    /// <summary>How the core's refusal of a reading reads in FHIR: the HTTP status of its entry and the issue's code.</summary>
    public static (int Status, IssueType Code) Of(RejectionReason reason) => reason switch
    {
        RejectionReason.RateLimited => (StatusCodes.Status429TooManyRequests, IssueType.Throttled),
        RejectionReason.DeviceMismatch or RejectionReason.NoConsent => (StatusCodes.Status403Forbidden, IssueType.Forbidden),
        RejectionReason.UnknownVital or RejectionReason.UnknownUnit => (StatusCodes.Status422UnprocessableEntity, IssueType.CodeInvalid),
        RejectionReason.OutOfRange or RejectionReason.TimestampOutOfBounds => (StatusCodes.Status422UnprocessableEntity, IssueType.Value),
        RejectionReason.UnknownDevice => (StatusCodes.Status422UnprocessableEntity, IssueType.NotFound),
        RejectionReason.DevicePatientMismatch or RejectionReason.DeviceNotBound => (StatusCodes.Status422UnprocessableEntity, IssueType.BusinessRule),
        _ => (StatusCodes.Status422UnprocessableEntity, IssueType.Invalid),
    };

    /// <summary>A reading refused by the core, as an issue naming where it came from, its reason and the core's detail.</summary>
    public static OperationOutcome.IssueComponent Refused(RejectionReason reason, string detail, string expression) =>
        Error(Of(reason).Code, $"{ReasonNames[reason]}: {detail}", expression);

    // As the ingestion contract names them (OUT_OF_RANGE), from the proto's REJECTION_REASON_OUT_OF_RANGE.
    private static readonly FrozenDictionary<RejectionReason, string> ReasonNames = Enum.GetValues<RejectionReason>().ToFrozenDictionary(
        reason => reason,
        reason => typeof(RejectionReason).GetField(reason.ToString())!.GetCustomAttribute<OriginalNameAttribute>()!.Name["REJECTION_REASON_".Length..]);

    /// <summary>Points an issue about an Observation (<c>Observation.…</c>) at the Bundle entry holding it.</summary>
    public static OperationOutcome.IssueComponent InEntry(OperationOutcome.IssueComponent issue, int entry)
    {
        var rebased = (OperationOutcome.IssueComponent)issue.DeepCopy();
        var prefix = $"Bundle.entry[{entry}].resource";
        var expressions = issue.Expression.OfType<string>().ToList();
        rebased.Expression = expressions.Count == 0
            ? [prefix]
            : [.. expressions.Select(e => e.StartsWith("Observation", StringComparison.Ordinal) ? prefix + e["Observation".Length..] : $"{prefix}.{e}")];
        return rebased;
    }

    public static IResult Answer(int status, Resource resource, string? location = null, TimeSpan? retryAfter = null) =>
        new FhirResult(status, resource, location, retryAfter);

    public static IResult Refusal(int status, IssueType code, string text, TimeSpan? retryAfter = null) =>
        Answer(status, Outcome([Error(code, text)]), retryAfter: retryAfter);

    private sealed class FhirResult(int status, Resource resource, string? location, TimeSpan? retryAfter) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = MediaType;
            if (location is not null)
            {
                response.Headers.Location = location;
            }
            if (retryAfter is { } wait)
            {
                response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await response.Body.WriteAsync(FhirJsonSerializer.Default.SerializeToBytes(resource), httpContext.RequestAborted);
        }
    }
}
