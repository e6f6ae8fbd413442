using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Delivery.Fhir;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification.Tests;

/// <summary>What webhook subscribers receive for an alert resolved because its patient's consent ended.</summary>
public sealed class ConsentResolutionRenderingTests
{
    private static readonly AlertResolved Resolved = new()
    {
        AlertId = "6f1d2c3b-4a59-4e8f-9b1a-2c3d4e5f6a7b",
        PatientId = "patient-1",
        Resolution = Resolution.ConsentWithdrawn,
        ResolvedBy = AlertStateMachine.ConsentActor,
        ResolvedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero)),
    };

    [Fact]
    public void The_json_webhook_names_the_resolution()
    {
        var json = JsonFormatter.Default.Format(Resolved);

        Assert.Contains("\"resolution\": \"RESOLUTION_CONSENT_WITHDRAWN\"", json, StringComparison.Ordinal);
        Assert.Contains("\"resolvedBy\": \"consent\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fhir_webhook_closes_the_issue_and_flag_and_says_why()
    {
        var bundle = AlertFhirMapper.ToBundle(Resolved);

        Assert.Empty(bundle.Validate());
        var json = FhirJsonSerializer.Default.SerializeToString(bundle);
        Assert.Contains("Closed: the patient refused or withdrew consent to monitoring", json, StringComparison.Ordinal);
        Assert.Equal(["DetectedIssue", "Flag"], bundle.Entry.Select(e => e.Request!.Url!.Split('/')[0]));
    }
}
