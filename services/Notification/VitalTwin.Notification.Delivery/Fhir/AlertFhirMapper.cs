using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hl7.Fhir.Model;
using VitalTwin.Contracts.Alerting.V1;
using FhirDuration = Hl7.Fhir.Model.Duration;

namespace VitalTwin.Notification.Delivery.Fhir;

/// <summary>
/// The alert lifecycle as FHIR R4, one transaction Bundle per event, so an integration engine can post it to a
/// FHIR server as it is. An alert is a <see cref="DetectedIssue"/> (what was found, how severe, why), a
/// <see cref="Flag"/> (the patient is flagged while the alert is open) and a <see cref="Communication"/> (the
/// notification itself); all three have the id <see cref="ResourceId"/> of the alert id, so every later event
/// hits the same resources.
/// <para>
/// Raised puts (creates or overwrites) the three resources. Later events carry only what changed, so they patch
/// the resources with FHIRPath Patch (a <see cref="Parameters"/> per PATCH entry) instead of overwriting what
/// the raise wrote:
/// acknowledged adds a DetectedIssue mitigation (who, when);
/// silenced adds a mitigation too (who silenced, until when, why), and the Flag stays active because the
/// condition still holds: a silence only holds escalation;
/// escalated puts a new Communication to the escalation role, one per level;
/// resolved makes the DetectedIssue final (with a mitigation saying how it was resolved) and the Flag inactive.
/// </para>
/// </summary>
public static partial class AlertFhirMapper
{
    /// <summary>Identifier system of the VitalTwin alert id, on every resource of an alert.</summary>
    public const string AlertIdSystem = "urn:vitaltwin:alert-id";

    /// <summary>Code system of <see cref="AlertCondition"/>: codes are the enum names without their prefix, e.g. <c>NEWS2_HIGH</c>.</summary>
    public const string ConditionSystem = "urn:vitaltwin:alert-condition";

    /// <summary>Code system of the mitigation actions: acknowledged, silenced, resolved.</summary>
    public const string ActionSystem = "urn:vitaltwin:alert-action";

    /// <summary>Identifier system of the staff ids clinicians act under (acknowledged_by, silenced_by, resolved_by).</summary>
    public const string StaffSystem = "urn:vitaltwin:staff-id";

    /// <summary>Identifier system of the escalation roles (e.g. <c>nurse-in-charge</c>).</summary>
    public const string EscalationRoleSystem = "urn:vitaltwin:escalation-role";

    private const string Loinc = "http://loinc.org";
    private const string FlagCategorySystem = "http://terminology.hl7.org/CodeSystem/flag-category";
    private const string CommunicationCategorySystem = "http://terminology.hl7.org/CodeSystem/communication-category";

    /// <summary>Maps any alert lifecycle event; throws for a message that is not one. <paramref name="fhir"/> null: the defaults.</summary>
    public static Bundle ToBundle(IMessage alertEvent, FhirOptions? fhir = null) => alertEvent switch
    {
        AlertRaised raised => ToBundle(raised, fhir),
        AlertEscalated escalated => ToBundle(escalated, fhir),
        AlertAcknowledged acknowledged => ToBundle(acknowledged),
        AlertSilenced silenced => ToBundle(silenced),
        AlertResolved resolved => ToBundle(resolved),
        null => throw new ArgumentNullException(nameof(alertEvent)),
        _ => throw new ArgumentException($"{alertEvent.Descriptor.FullName} is not an alert lifecycle event.", nameof(alertEvent)),
    };

    public static Bundle ToBundle(AlertRaised raised, FhirOptions? fhir = null)
    {
        ArgumentNullException.ThrowIfNull(raised);
        fhir ??= new FhirOptions();
        var id = ResourceId(raised.AlertId);
        var issue = new DetectedIssue
        {
            Id = id,
            Identifier = [AlertIdentifier(raised.AlertId)],
            Status = ObservationStatus.Preliminary,
            Code = Condition(raised.Condition),
            Severity = Severity(raised.Priority),
            Patient = Patient(raised.PatientId, fhir),
            Identified = DateTime(raised.RaisedAt),
            Detail = NonEmpty(raised.Summary),
        };
        issue.Evidence.AddRange(raised.Reasons.Select(Evidence));
        if (raised.Supersedes.Count > 0)
        {
            // A combined alert folds earlier ones in: they are evidence for it.
            issue.Evidence.Add(new DetectedIssue.EvidenceComponent
            {
                Detail = raised.Supersedes.Select(superseded => new ResourceReference($"DetectedIssue/{ResourceId(superseded)}")).ToList(),
            });
        }
        if (raised.SilencedUntil is { } silencedUntil)
        {
            issue.Mitigation.Add(Mitigation(
                "silenced", $"Raised inside a silence on its key, until {Text(silencedUntil)}: shown, not escalated", raised.RaisedAt, actor: null));
        }
        var flag = new Flag
        {
            Id = id,
            Identifier = [AlertIdentifier(raised.AlertId)],
            Status = Flag.FlagStatus.Active,
            Category = [new CodeableConcept(FlagCategorySystem, "clinical", "Clinical")],
            Code = WithText(Condition(raised.Condition), raised.Summary),
            Subject = Patient(raised.PatientId, fhir),
            Period = raised.RaisedAt is null ? null : new Period { StartElement = DateTime(raised.RaisedAt) },
        };
        var communication = Notification(raised.AlertId, id, Patient(raised.PatientId, fhir), raised.Priority, raised.RaisedAt, raised.Summary);
        return Transaction(raised.RaisedAt, Put(issue), Put(flag), Put(communication));
    }

    public static Bundle ToBundle(AlertEscalated escalated, FhirOptions? fhir = null)
    {
        ArgumentNullException.ThrowIfNull(escalated);
        fhir ??= new FhirOptions();
        var role = NonEmpty(escalated.EscalateTo);
        var waited = escalated.UnacknowledgedFor is { } duration ? $" after {Text(duration)} unacknowledged" : string.Empty;
        var message = $"Alert escalated to {role ?? "the next level"} (level {escalated.Level}){waited}";
        var communication = Notification(
            escalated.AlertId, ResourceId($"{escalated.AlertId}-escalation-{escalated.Level}"), Patient(escalated.PatientId, fhir), escalated.Priority, escalated.EscalatedAt, message);
        if (role is not null)
        {
            communication.Recipient.Add(new ResourceReference
            {
                Type = "PractitionerRole",
                Identifier = new Identifier(EscalationRoleSystem, role),
                Display = role,
            });
        }
        return Transaction(escalated.EscalatedAt, Put(communication));
    }

    public static Bundle ToBundle(AlertAcknowledged acknowledged)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        var text = NonEmpty(acknowledged.Note) is { } note ? $"Acknowledged: {note}" : "Acknowledged";
        var patch = new Parameters();
        patch.Parameter.Add(AddMitigation(Mitigation("acknowledged", text, acknowledged.AcknowledgedAt, acknowledged.AcknowledgedBy)));
        return Transaction(acknowledged.AcknowledgedAt, Patch<DetectedIssue>(acknowledged.AlertId, patch));
    }

    public static Bundle ToBundle(AlertSilenced silenced)
    {
        ArgumentNullException.ThrowIfNull(silenced);
        var text = new StringBuilder("Silenced");
        if (silenced.Until is { } until)
        {
            text.Append(CultureInfo.InvariantCulture, $" until {Text(until)}");
        }
        if (NonEmpty(silenced.Reason) is { } reason)
        {
            text.Append(": ").Append(reason);
        }
        var patch = new Parameters();
        patch.Parameter.Add(AddMitigation(Mitigation("silenced", text.ToString(), silenced.SilencedAt, silenced.SilencedBy)));
        return Transaction(silenced.SilencedAt, Patch<DetectedIssue>(silenced.AlertId, patch));
    }

    public static Bundle ToBundle(AlertResolved resolved)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        var how = resolved.Resolution switch
        {
            Resolution.ConditionCleared => "Resolved: the condition cleared",
            Resolution.ByClinician => "Resolved by a clinician",
            Resolution.Superseded when NonEmpty(resolved.SupersededBy) is { } by => $"Superseded by alert {by}",
            Resolution.Superseded => "Superseded by a later alert",
            Resolution.ConsentWithdrawn => "Closed: the patient refused or withdrew consent to monitoring",
            _ => "Resolved",
        };
        if (NonEmpty(resolved.Note) is { } note)
        {
            how = $"{how}: {note}";
        }
        var issuePatch = new Parameters();
        issuePatch.Parameter.Add(Replace("DetectedIssue.status", new Code("final")));
        issuePatch.Parameter.Add(AddMitigation(Mitigation("resolved", how, resolved.ResolvedAt, resolved.ResolvedBy)));
        var flagPatch = new Parameters();
        flagPatch.Parameter.Add(Replace("Flag.status", new Code("inactive")));
        return Transaction(resolved.ResolvedAt, Patch<DetectedIssue>(resolved.AlertId, issuePatch), Patch<Flag>(resolved.AlertId, flagPatch));
    }

    /// <summary>
    /// The FHIR id of an alert's resources: the alert id itself where it is a valid FHIR id (VitalTwin's are
    /// GUIDs), otherwise a GUID derived from it, so the same alert always maps to the same resources.
    /// </summary>
    public static string ResourceId(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        if (FhirId().IsMatch(alertId))
        {
            return alertId;
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(alertId));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    /// <summary>IEC 60601-1-8 priority to DetectedIssue severity; unspecified leaves the severity out.</summary>
    public static DetectedIssue.DetectedIssueSeverity? Severity(AlertPriority priority) => priority switch
    {
        AlertPriority.High => DetectedIssue.DetectedIssueSeverity.High,
        AlertPriority.Medium => DetectedIssue.DetectedIssueSeverity.Moderate,
        AlertPriority.Low => DetectedIssue.DetectedIssueSeverity.Low,
        _ => null,
    };

    private static RequestPriority? CommunicationPriority(AlertPriority priority) => priority switch
    {
        AlertPriority.High => RequestPriority.Stat,
        AlertPriority.Medium => RequestPriority.Urgent,
        AlertPriority.Low => RequestPriority.Routine,
        _ => null,
    };

    private static CodeableConcept Condition(AlertCondition condition)
    {
        var (code, display) = condition switch
        {
            AlertCondition.News2Medium => ("NEWS2_MEDIUM", "NEWS2 aggregate score 5-6"),
            AlertCondition.News2High => ("NEWS2_HIGH", "NEWS2 aggregate score 7 or more"),
            AlertCondition.News2SingleParameter => ("NEWS2_SINGLE_PARAMETER", "NEWS2 single parameter scores 3"),
            AlertCondition.VitalSpike => ("VITAL_SPIKE", "Spike in a vital sign against the patient's recent values"),
            AlertCondition.VitalChange => ("VITAL_CHANGE", "Lasting change in a vital sign"),
            AlertCondition.VitalsCombined => ("VITALS_COMBINED", "Anomalies on several vital signs within a short window"),
            AlertCondition.VitalStale => ("VITAL_STALE", "A monitored vital sign stopped arriving"),
            AlertCondition.TrendingWorse => ("TRENDING_WORSE", "Several vital signs drifting from the patient's usual"),
            AlertCondition.PersonalLimit => ("PERSONAL_LIMIT", "A vital sign crossed the patient's personal alarm limit"),
            _ => ("UNSPECIFIED", "Unspecified alert condition"),
        };
        return new CodeableConcept(ConditionSystem, code, display, display);
    }

    private static DetectedIssue.EvidenceComponent Evidence(AlertReason reason)
    {
        var concept = new CodeableConcept { Text = NonEmpty(reason.Text) };
        if (NonEmpty(reason.Code?.Loinc) is { } loinc)
        {
            concept.Coding.Add(new Coding(Loinc, loinc));
        }
        return new DetectedIssue.EvidenceComponent { Code = [concept] };
    }

    private static Communication Notification(string alertId, string id, ResourceReference patient, AlertPriority priority, Timestamp? sent, string message)
    {
        var communication = new Communication
        {
            Id = id,
            Identifier = [AlertIdentifier(alertId)],
            Status = EventStatus.Completed,
            Category = [new CodeableConcept(CommunicationCategorySystem, "alert", "Alert")],
            Priority = CommunicationPriority(priority),
            Subject = patient,
            About = [new ResourceReference($"DetectedIssue/{ResourceId(alertId)}")],
            SentElement = DateTime(sent),
        };
        if (NonEmpty(message) is { } text)
        {
            communication.Payload.Add(new Communication.PayloadComponent { Content = new FhirString(text) });
        }
        return communication;
    }

    private static DetectedIssue.MitigationComponent Mitigation(string action, string text, Timestamp? at, string? actor) => new()
    {
        Action = new CodeableConcept(ActionSystem, action, null, text),
        DateElement = DateTime(at),
        Author = NonEmpty(actor) is { } staff
            ? new ResourceReference { Type = "Practitioner", Identifier = new Identifier(StaffSystem, staff), Display = staff }
            : null,
    };

    /// <summary>A FHIRPath Patch <c>add</c> of one mitigation: a complex value is given as one part per element.</summary>
    private static Parameters.ParameterComponent AddMitigation(DetectedIssue.MitigationComponent mitigation)
    {
        var value = new Parameters.ParameterComponent { Name = "value" };
        value.Part.Add(new Parameters.ParameterComponent { Name = "action", Value = mitigation.Action });
        if (mitigation.DateElement is { } date)
        {
            value.Part.Add(new Parameters.ParameterComponent { Name = "date", Value = date });
        }
        if (mitigation.Author is { } author)
        {
            value.Part.Add(new Parameters.ParameterComponent { Name = "author", Value = author });
        }
        var operation = Operation("add", "DetectedIssue");
        operation.Part.Add(new Parameters.ParameterComponent { Name = "name", Value = new FhirString("mitigation") });
        operation.Part.Add(value);
        return operation;
    }

    private static Parameters.ParameterComponent Replace(string path, DataType value)
    {
        var operation = Operation("replace", path);
        operation.Part.Add(new Parameters.ParameterComponent { Name = "value", Value = value });
        return operation;
    }

    private static Parameters.ParameterComponent Operation(string type, string path)
    {
        var operation = new Parameters.ParameterComponent { Name = "operation" };
        operation.Part.Add(new Parameters.ParameterComponent { Name = "type", Value = new Code(type) });
        operation.Part.Add(new Parameters.ParameterComponent { Name = "path", Value = new FhirString(path) });
        return operation;
    }

    private static Bundle.EntryComponent Put(Resource resource) => new()
    {
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
    };

    private static Bundle.EntryComponent Patch<TResource>(string alertId, Parameters patch) where TResource : Resource => new()
    {
        Resource = patch,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PATCH, Url = $"{typeof(TResource).Name}/{ResourceId(alertId)}" },
    };

    private static Bundle Transaction(Timestamp? at, params Bundle.EntryComponent[] entries)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction, Timestamp = at?.ToDateTimeOffset() };
        bundle.Entry.AddRange(entries);
        return bundle;
    }

    private static Identifier AlertIdentifier(string alertId) => new(AlertIdSystem, alertId);

    // Flag.subject is required: a record without a patient id (a producer bug) still maps to a valid resource.
    private static ResourceReference Patient(string patientId, FhirOptions fhir) => NonEmpty(patientId) is not { } id
        ? new ResourceReference { Display = "Unknown patient" }
        : fhir.PatientReference == FhirPatientReference.Literal
            ? new ResourceReference($"Patient/{id}")
            : new ResourceReference($"Patient?identifier={SearchValue(fhir.PatientIdentifierSystem)}|{SearchValue(id)}")
            {
                Type = "Patient",
                Identifier = new Identifier(fhir.PatientIdentifierSystem, id),
            };

    /// <summary>
    /// A token of a FHIR search: FHIR's own separators escaped with a backslash, then percent-encoded for a URL query,
    /// keeping ':' and '/' (allowed there) so a system URI stays readable.
    /// </summary>
    private static string SearchValue(string value) =>
        Uri.EscapeDataString(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
                .Replace(",", "\\,", StringComparison.Ordinal).Replace("$", "\\$", StringComparison.Ordinal))
            .Replace("%3A", ":", StringComparison.Ordinal).Replace("%2F", "/", StringComparison.Ordinal);

    private static FhirDateTime? DateTime(Timestamp? at) => at is null ? null : new FhirDateTime(at.ToDateTimeOffset());

    private static CodeableConcept WithText(CodeableConcept concept, string text)
    {
        concept.Text = NonEmpty(text) ?? concept.Text;
        return concept;
    }

    private static string Text(Timestamp at) => at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Text(Google.Protobuf.WellKnownTypes.Duration duration)
    {
        var span = duration.ToTimeSpan();
        return span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds} s");
    }

    // FHIR forbids empty strings; proto3 has no absent strings, only empty ones.
    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$")]
    private static partial Regex FhirId();
}
