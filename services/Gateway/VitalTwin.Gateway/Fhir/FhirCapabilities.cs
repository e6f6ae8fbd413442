using Hl7.Fhir.Model;

namespace VitalTwin.Gateway.Fhir;

/// <summary>What the door serves, as <c>GET /fhir/metadata</c> tells it.</summary>
internal static class FhirCapabilities
{
    public static CapabilityStatement Statement { get; } = Build();

    private static CapabilityStatement Build() => new()
    {
        Status = PublicationStatus.Active,
        Date = "2026-12-07",
        Kind = CapabilityStatementKind.Instance,
        Name = "VitalTwinGatewayFhirDoor",
        Title = "VitalTwin Gateway: FHIR R4 door for vital-sign Observations",
        Software = new CapabilityStatement.SoftwareComponent { Name = "VitalTwin Gateway" },
        Implementation = new CapabilityStatement.ImplementationComponent { Description = "Takes vital-sign Observations from devices and ingest systems into VitalTwin's telemetry" },
        FhirVersion = FHIRVersion.N4_0_1,
        Format = [FhirOutcomes.MediaType, "application/json"],
        Rest =
        [
            new CapabilityStatement.RestComponent
            {
                Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                Documentation = "Create only: Observations are readings handed on to VitalTwin, not kept here. The Location of a created " +
                    "Observation names the reading (an id derived from its event id) but cannot be read back: read, search and history are not served.",
                Security = new CapabilityStatement.SecurityComponent
                {
                    Description = "A device sends 'Authorization: Device <key>' (the key RegisterDevice issued) or presents its client certificate, " +
                        "and posts its own readings; a system sends a bearer token holding the 'ingest' role and posts for the devices registered " +
                        "with the token's subject as their ingest system.",
                },
                Resource =
                [
                    new CapabilityStatement.ResourceComponent
                    {
                        Type = "Observation",
                        Profile = ObservationProfiles.VitalSigns,
                        SupportedProfile = ["http://hl7.org/fhir/StructureDefinition/heartrate", "http://hl7.org/fhir/StructureDefinition/resprate",
                            "http://hl7.org/fhir/StructureDefinition/oxygensat", "http://hl7.org/fhir/StructureDefinition/bodytemp",
                            "http://hl7.org/fhir/StructureDefinition/bp"],
                        Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create }],
                        Versioning = CapabilityStatement.ResourceVersionPolicy.NoVersion,
                        ReadHistory = false,
                        UpdateCreate = false,
                        ConditionalCreate = false,
                    },
                ],
                Interaction =
                [
                    new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch },
                    new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction },
                ],
            },
        ],
    };
}
