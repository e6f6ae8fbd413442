using System.Net;
using System.Net.Sockets;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Gateway.Tests.Fhir;

/// <summary>The device side of the FHIR door, as the simulator and the load benchmark open it, against a running Gateway.</summary>
public sealed class FhirDeviceTransportTests
{
    [Fact]
    public async Task A_batch_sent_over_fhir_comes_back_as_the_ack_the_grpc_contract_would_give()
    {
        await using var gateway = await FhirGateway.StartAsync();
        var key = await gateway.Server.RegisterAsync(Readings.DeviceId, Readings.PatientId);
        await using var transport = DeviceTransports.DeviceTransports.Open(DeviceTransportKind.Fhir, Addresses(gateway));
        VitalSignReading[] readings =
        [
            Readings.HeartRate(70, Readings.Now.AddSeconds(-3)),
            Readings.HeartRate(400, Readings.Now.AddSeconds(-2)),
            Readings.Reading("59408-5", "MDC_PULS_OXIM_SAT_O2", 97, "%", Readings.Now.AddSeconds(-1)),
        ];

        var ack = await transport.SendAsync(new DeviceLogin(Readings.DeviceId, key), readings, CancellationToken.None);

        Assert.Equal((2u, 1u), (ack.Accepted, ack.Rejected));
        var rejection = Assert.Single(ack.Rejections);
        Assert.Equal((1u, RejectionReason.OutOfRange, Readings.DeviceId), (rejection.Index, rejection.Reason, rejection.DeviceId));
        Assert.Equal([("8867-4", 70.0), ("59408-5", 97.0)], gateway.Stored().Select(r => (r.Code.Loinc, r.Value)));
        // A resend is acknowledged again under the same event ids: the Gateway names the readings by what they are,
        // so whatever it publishes again is applied once downstream.
        var again = await transport.SendAsync(new DeviceLogin(Readings.DeviceId, key), readings, CancellationToken.None);
        Assert.Equal((2u, 1u), (again.Accepted, again.Rejected));
        var events = gateway.Server.ReadAll(gateway.Server.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value).EventId).ToList();
        Assert.Equal(2, events.Distinct().Count());
    }

    [Fact]
    public async Task A_revoked_device_is_refused_and_told_so()
    {
        await using var gateway = await FhirGateway.StartAsync();
        var key = await gateway.Server.RegisterAsync(Readings.DeviceId, Readings.PatientId);
        await gateway.Server.RevokeAsync(Readings.DeviceId);
        await using var transport = DeviceTransports.DeviceTransports.Open(DeviceTransportKind.Fhir, Addresses(gateway));

        await Assert.ThrowsAsync<DeviceRefusedException>(() =>
            transport.SendAsync(new DeviceLogin(Readings.DeviceId, key), [Readings.HeartRate()], CancellationToken.None));
        Assert.Empty(gateway.Stored());
    }

    [Fact]
    public async Task A_gateway_that_cannot_be_reached_means_send_again()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var transport = DeviceTransports.DeviceTransports.Open(DeviceTransportKind.Fhir, new GatewayAddresses(new Uri($"http://127.0.0.1:{port}")));

        await Assert.ThrowsAsync<GatewayUnavailableException>(() =>
            transport.SendAsync(new DeviceLogin(Readings.DeviceId, "vtd1.none"), [Readings.HeartRate()], CancellationToken.None));
    }

    // The transport speaks HTTP/2 to the Gateway's gRPC address, as gRPC devices do.
    private static GatewayAddresses Addresses(FhirGateway gateway) =>
        new(gateway.Server.GrpcAddress);
}
