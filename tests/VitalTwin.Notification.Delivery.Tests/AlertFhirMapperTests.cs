using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Delivery.Fhir;

namespace VitalTwin.Notification.Delivery.Tests;

public sealed class AlertFhirMapperTests
{
    public static TheoryData<string, IMessage> EveryEventKind()
    {
        var raised = Alerts.Raised("patient-1");
        var combined = Alerts.Raised("patient-1", AlertPriority.Medium);
        combined.Supersedes.Add(raised.AlertId);
        combined.Supersedes.Add("an id that is not a FHIR id");
        combined.SilencedUntil = Timestamp.FromDateTimeOffset(Alerts.Start.AddHours(1));
        var bare = new AlertRaised { AlertId = "bare", PatientId = "patient-2" };
        var escalatedNoRole = Alerts.Escalated(raised, level: 3);
        escalatedNoRole.EscalateTo = string.Empty;
        var cleared = Alerts.Resolved(raised);
        cleared.Resolution = Resolution.ConditionCleared;
        cleared.ResolvedBy = string.Empty;
        var superseded = Alerts.Resolved(raised);
        superseded.Resolution = Resolution.Superseded;
        superseded.SupersededBy = combined.AlertId;
        return new TheoryData<string, IMessage>
        {
            { "raised", raised },
            { "raised, combined and silenced", combined },
            { "raised, only ids", bare },
            { "escalated", Alerts.Escalated(raised) },
            { "escalated, no role", escalatedNoRole },
            { "acknowledged", Alerts.Acknowledged(raised) },
            { "acknowledged, no note", new AlertAcknowledged { AlertId = raised.AlertId, PatientId = "patient-1" } },
            { "silenced", Alerts.Silenced(raised) },
            { "resolved by a clinician", Alerts.Resolved(raised) },
            { "resolved, condition cleared", cleared },
            { "resolved, superseded", superseded },
        };
    }

    [Theory]
    [MemberData(nameof(EveryEventKind))]
    public void Every_event_maps_to_a_transaction_that_passes_validation_before_and_after_serialisation(string kind, IMessage alertEvent)
    {
        var bundle = AlertFhirMapper.ToBundle(alertEvent);

        Assert.True(bundle.Validate().Count == 0, $"{kind}: {string.Join("; ", bundle.Validate().Select(e => e.Message))}");
        Assert.Equal(Bundle.BundleType.Transaction, bundle.Type);
        Assert.NotEmpty(bundle.Entry);
        Assert.All(bundle.Entry, entry => Assert.NotNull(entry.Request!.Method));
        var json = FhirJsonSerializer.Default.SerializeToString(bundle);
        var parsed = new FhirJsonDeserializer().Deserialize<Bundle>(json);
        Assert.Empty(parsed.Validate());
        // The same event always renders to the same bytes, so a redelivery is byte-for-byte the first delivery.
        Assert.Equal(json, FhirJsonSerializer.Default.SerializeToString(AlertFhirMapper.ToBundle(alertEvent)));
    }

    [Fact]
    public void A_raised_alert_puts_a_detected_issue_an_active_flag_and_a_communication_under_the_alert_id()
    {
        var raised = Alerts.Raised("patient-1");

        var bundle = AlertFhirMapper.ToBundle(raised);

        Assert.Equal(
            [$"DetectedIssue/{raised.AlertId}", $"Flag/{raised.AlertId}", $"Communication/{raised.AlertId}"],
            bundle.Entry.Select(e => e.Request!.Url));
        Assert.All(bundle.Entry, e => Assert.Equal(Bundle.HTTPVerb.PUT, e.Request!.Method));
        var issue = Assert.IsType<DetectedIssue>(bundle.Entry[0].Resource);
        Assert.Equal(raised.AlertId, issue.Id);
        Assert.Equal(ObservationStatus.Preliminary, issue.Status);
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.High, issue.Severity);
        Assert.Equal((AlertFhirMapper.ConditionSystem, "NEWS2_HIGH"), (issue.Code!.Coding[0].System, issue.Code!.Coding[0].Code));
        Assert.Equal(raised.Summary, issue.Detail);
        Assert.Equal(ByIdentifier, issue.Patient!.Reference);
        Assert.Equal(("Patient", "urn:vitaltwin:patient-id", "patient-1"), (issue.Patient.Type, issue.Patient.Identifier?.System, issue.Patient.Identifier?.Value));
        Assert.Equal("2025-03-01T08:30:00+00:00", Assert.IsType<FhirDateTime>(issue.Identified).Value);
        Assert.Equal(raised.Reasons.Select(r => r.Text), issue.Evidence.Select(e => e.Code[0].Text));
        Assert.Equal(("http://loinc.org", "8867-4"), (issue.Evidence[0].Code[0].Coding[0].System, issue.Evidence[0].Code[0].Coding[0].Code));
        Assert.Equal(raised.AlertId, Assert.Single(issue.Identifier).Value);
        var flag = Assert.IsType<Flag>(bundle.Entry[1].Resource);
        Assert.Equal(Flag.FlagStatus.Active, flag.Status);
        Assert.Equal(ByIdentifier, flag.Subject.Reference);
        Assert.Equal(raised.Summary, flag.Code.Text);
        var communication = Assert.IsType<Communication>(bundle.Entry[2].Resource);
        Assert.Equal(raised.Summary, Assert.IsType<FhirString>(Assert.Single(communication.Payload).Content).Value);
        Assert.Equal($"DetectedIssue/{raised.AlertId}", Assert.Single(communication.About).Reference);
        Assert.Equal(RequestPriority.Stat, communication.Priority);
        Assert.Equal(ByIdentifier, communication.Subject!.Reference);
    }

    /// <summary>The default reference: a FHIR server resolves it to the Patient it holds under that identifier.</summary>
    private const string ByIdentifier = "Patient?identifier=urn:vitaltwin:patient-id|patient-1";

    [Fact]
    public void The_patient_is_referred_to_by_the_configured_identifier_system_or_literally_as_chosen()
    {
        var raised = Alerts.Raised("MRN 00|7");
        var hospital = new FhirOptions { PatientIdentifierSystem = "https://hospital.example/fhir/mrn" };
        var literal = new FhirOptions { PatientReference = FhirPatientReference.Literal };

        var byIdentifier = AlertFhirMapper.ToBundle(raised, hospital).Entry.Concat(AlertFhirMapper.ToBundle(Alerts.Escalated(raised), hospital).Entry).ToList();
        var literally = AlertFhirMapper.ToBundle(Alerts.Raised("patient-1"), literal).Entry.Concat(AlertFhirMapper.ToBundle(Alerts.Escalated(Alerts.Raised("patient-1")), literal).Entry).ToList();

        // FHIR's separators in a search value are escaped with '\', then everything a query cannot hold is percent-encoded.
        Assert.All(PatientReferences(byIdentifier), reference =>
        {
            Assert.Equal("Patient?identifier=https://hospital.example/fhir/mrn|MRN%2000%5C%7C7", reference.Reference);
            Assert.Equal(("https://hospital.example/fhir/mrn", "MRN 00|7"), (reference.Identifier?.System, reference.Identifier?.Value));
        });
        Assert.Equal(4, PatientReferences(byIdentifier).Count);
        Assert.All(PatientReferences(literally), reference => Assert.Equal("Patient/patient-1", reference.Reference));
        Assert.Equal(4, PatientReferences(literally).Count);
        Assert.All(byIdentifier.Concat(literally), entry => Assert.Empty(entry.Resource!.Validate()));
    }

    private static List<ResourceReference> PatientReferences(IEnumerable<Bundle.EntryComponent> entries) =>
    [
        .. entries.Select(e => e.Resource switch
        {
            DetectedIssue issue => issue.Patient,
            Flag flag => flag.Subject,
            Communication communication => communication.Subject,
            _ => null,
        }).OfType<ResourceReference>(),
    ];

    [Fact]
    public void Lifecycle_events_patch_or_add_to_the_resources_of_their_alert()
    {
        var raised = Alerts.Raised("patient-1");
        var id = raised.AlertId;

        var acknowledged = Assert.Single(AlertFhirMapper.ToBundle(Alerts.Acknowledged(raised)).Entry);
        Assert.Equal((Bundle.HTTPVerb.PATCH, $"DetectedIssue/{id}"), (acknowledged.Request!.Method, acknowledged.Request!.Url));
        var mitigation = Operation(acknowledged, 0);
        Assert.Equal(["add", "DetectedIssue", "mitigation"], mitigation.Where(p => p.Name != "value").Select(p => p.Value!.ToString()));
        var value = mitigation.Single(p => p.Name == "value").Part;
        Assert.Equal("staff-0042", ((ResourceReference)value.Single(p => p.Name == "author").Value!).Identifier!.Value);
        Assert.Equal("2025-03-01T08:50:00+00:00", Assert.IsType<FhirDateTime>(value.Single(p => p.Name == "date").Value).Value);
        Assert.Equal("Acknowledged: At the bedside", ((CodeableConcept)value.Single(p => p.Name == "action").Value!).Text);

        var resolved = AlertFhirMapper.ToBundle(Alerts.Resolved(raised)).Entry;
        Assert.Equal([$"DetectedIssue/{id}", $"Flag/{id}"], resolved.Select(e => e.Request!.Url));
        Assert.Equal(["replace", "DetectedIssue.status", "final"], Operation(resolved[0], 0).Select(p => p.Value!.ToString()));
        Assert.Equal(["replace", "Flag.status", "inactive"], Operation(resolved[1], 0).Select(p => p.Value!.ToString()));

        var escalated = Assert.Single(AlertFhirMapper.ToBundle(Alerts.Escalated(raised, level: 2)).Entry);
        Assert.Equal((Bundle.HTTPVerb.PUT, $"Communication/{id}-escalation-2"), (escalated.Request!.Method, escalated.Request!.Url));
        var toRole = Assert.IsType<Communication>(escalated.Resource);
        Assert.Equal("rapid-response-team", Assert.Single(toRole.Recipient).Identifier!.Value);
        Assert.Equal($"DetectedIssue/{id}", Assert.Single(toRole.About).Reference);

        var silenced = Assert.Single(AlertFhirMapper.ToBundle(Alerts.Silenced(raised)).Entry);
        Assert.Equal($"DetectedIssue/{id}", silenced.Request!.Url);
        var silence = (CodeableConcept)Operation(silenced, 0).Single(p => p.Name == "value").Part.Single(p => p.Name == "action").Value!;
        Assert.Equal("silenced", silence.Coding[0].Code);
        Assert.StartsWith("Silenced until 2025-03-01 09:25 UTC", silence.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlertPriority.High, DetectedIssue.DetectedIssueSeverity.High)]
    [InlineData(AlertPriority.Medium, DetectedIssue.DetectedIssueSeverity.Moderate)]
    [InlineData(AlertPriority.Low, DetectedIssue.DetectedIssueSeverity.Low)]
    [InlineData(AlertPriority.Unspecified, null)]
    public void Priority_sets_the_severity(AlertPriority priority, DetectedIssue.DetectedIssueSeverity? severity)
    {
        var issue = (DetectedIssue)AlertFhirMapper.ToBundle(Alerts.Raised("patient-1", priority)).Entry[0].Resource!;

        Assert.Equal(severity, issue.Severity);
    }

    [Fact]
    public void Resource_ids_are_stable_per_alert_and_valid_whatever_the_alert_id()
    {
        const string notAnId = "alert/with spaces and a very long tail that is well past the sixty-four characters FHIR allows";

        Assert.Equal("3f2c-valid.id", AlertFhirMapper.ResourceId("3f2c-valid.id"));
        Assert.Equal(AlertFhirMapper.ResourceId(notAnId), AlertFhirMapper.ResourceId(notAnId));
        Assert.NotEqual(AlertFhirMapper.ResourceId(notAnId), AlertFhirMapper.ResourceId(notAnId + "!"));
        Assert.Matches("^[A-Za-z0-9\\-\\.]{1,64}$", AlertFhirMapper.ResourceId(notAnId));
        var raised = Alerts.Raised("patient-1", alertId: notAnId);
        var urls = new IMessage[] { raised, Alerts.Acknowledged(raised), Alerts.Resolved(raised) }
            .SelectMany(e => AlertFhirMapper.ToBundle(e).Entry)
            .Select(e => e.Request!.Url!.Split('/')[1])
            .Distinct();
        Assert.Equal([AlertFhirMapper.ResourceId(notAnId)], urls);
    }

    private static List<Parameters.ParameterComponent> Operation(Bundle.EntryComponent entry, int index) =>
        Assert.IsType<Parameters>(entry.Resource).Parameter[index].Part;
}
