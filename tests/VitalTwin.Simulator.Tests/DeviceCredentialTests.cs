using System.ComponentModel.DataAnnotations;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Simulator.Streaming;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Simulator.Tests;

/// <summary>
/// The simulated devices authenticate as the Gateway asks: registrations carry the registrar's token, each device
/// sends with the credential of its latest registration (the in-test Gateway refuses any other).
/// </summary>
public sealed class DeviceCredentialTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddMinutes(-30);

    private FakeGateway _gateway = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _gateway = await FakeGateway.StartAsync(TimeProvider.System);
        _channel = GrpcChannel.ForAddress(_gateway.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task A_moved_device_sends_with_the_credential_of_its_new_registration_and_registrations_carry_the_access_token()
    {
        var link = Link("registrar-token");
        await link.RegisterAsync("monitor-1", "patient-1", Start, CancellationToken.None);
        link.Enqueue(Reading("monitor-1", "patient-1", 1, Start.AddMinutes(1)));
        await link.FlushAsync(CancellationToken.None);

        // Re-registered with another patient: the first credential stops working at the Gateway.
        await link.RegisterAsync("monitor-1", "patient-2", Start.AddMinutes(10), CancellationToken.None);
        link.Enqueue(Reading("monitor-1", "patient-1", 2, Start.AddMinutes(5)));
        link.Enqueue(Reading("monitor-1", "patient-2", 3, Start.AddMinutes(11)));
        await link.FlushAsync(CancellationToken.None);

        var state = _gateway.State;
        Assert.Equal(0, state.UnauthenticatedCalls);
        Assert.Equal([("patient-1", 1ul), ("patient-1", 2ul), ("patient-2", 3ul)], state.Accepted.Select(r => (r.PatientId, r.SequenceNumber)));
        Assert.Equal(["Bearer registrar-token", "Bearer registrar-token"], state.RegistrationAuthorizations);
        Assert.Equal(new StreamTotals(3, 3, 0, 2), link.Totals);
    }

    [Fact]
    public async Task Without_an_access_token_registrations_carry_no_authorization_and_readings_of_a_never_registered_device_are_dropped_as_refused()
    {
        var link = Link(accessToken: null);
        await link.RegisterAsync("monitor-1", "patient-1", Start, CancellationToken.None);
        link.Enqueue(Reading("monitor-1", "patient-1", 1, Start.AddMinutes(1)));
        link.Enqueue(Reading("monitor-unregistered", "patient-1", 1, Start.AddMinutes(1)));
        await link.FlushAsync(CancellationToken.None);

        Assert.Equal([string.Empty], _gateway.State.RegistrationAuthorizations);
        Assert.Equal(0, _gateway.State.UnauthenticatedCalls);
        Assert.Equal(["monitor-1"], _gateway.State.Accepted.Select(r => r.DeviceId));
        Assert.Equal((0, new StreamTotals(2, 1, 1, 1)), (link.Pending, link.Totals));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("two words")]
    public void A_blank_access_token_fails_validation(string token)
    {
        var options = new SimulatorOptions { GatewayUrl = "http://127.0.0.1:5101", AccessToken = token };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(SimulatorOptions.AccessToken)));
    }

    private GatewayLink Link(string? accessToken) => new(
        new GrpcDeviceTransport(_channel),
        new DeviceRegistry.DeviceRegistryClient(_channel),
        maxConcurrentCalls: 4,
        TimeProvider.System,
        NullLogger.Instance,
        accessToken);

    private static VitalSignReading Reading(string device, string patient, ulong sequence, DateTimeOffset observedAt) => new()
    {
        DeviceId = device,
        PatientId = patient,
        SequenceNumber = sequence,
        ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
        Code = new VitalCode { Loinc = "8867-4" },
        Value = 72,
        Unit = "/min",
    };
}
