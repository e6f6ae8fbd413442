using System.Globalization;
using Microsoft.Extensions.Configuration;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

// ./build.sh --target=Demo [--duration=<seconds>] [--patients=<n>] [--deteriorating=<n>] [--replay=<csv> [--speed=<n>]]
//   [--webhook=<url>[,Json|FhirR4]] [--tokens=<file>] [--replicas=<n>]
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var duration = settings.GetValue<double?>("duration");
var patients = settings.GetValue("patients", 20);
var deteriorating = settings.GetValue("deteriorating", 3);
var replay = settings.GetValue<string?>("replay");
var speed = settings.GetValue("speed", 1.0);
var tokensFile = settings.GetValue<string?>("tokens");
var replicas = settings.GetValue("replicas", 1);
var partitions = new LocalClusterOptions().Partitions;
if (replicas < 1 || replicas > partitions)
{
    Console.Error.WriteLine($"--replicas takes 1 to {partitions} (the partitions per topic): a replica beyond them would hold nothing.");
    return 1;
}
if (replay is not null && !File.Exists(replay))
{
    Console.Error.WriteLine($"The recording {replay} does not exist.");
    return 1;
}
var (webhook, webhookProblem) = settings.GetValue<string?>("webhook") is { } option ? DemoWebhook.Parse(option) : (null, null);
if (webhookProblem is not null)
{
    Console.Error.WriteLine(webhookProblem);
    return 1;
}

using var stop = new StopSignal();
if (duration is { } seconds)
{
    stop.After(TimeSpan.FromSeconds(seconds));
}

var output = TextWriter.Synchronized(Console.Out);
void Print(string service, string line) => output.WriteLine($"  [{service}] {line}");

// Services log warnings and worse here, so the status line stays readable.
var quiet = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning", ["Logging__Console__FormatterName"] = "simple" };
// Someone trying the FHIR door by hand should not wait seconds on a cold validator (the test clusters skip it).
var environment = new Dictionary<string, string>(quiet) { ["Gateway__Fhir__WarmUp"] = "true" };
foreach (var (key, value) in webhook ?? new Dictionary<string, string>())
{
    environment[key] = value;
}
if (replay is not null)
{
    // A recording keeps its own timestamps, which may be years old and arrive many times faster than a device sends:
    // the Gateway takes them. Staleness, clear times and quiet periods run on the readings' time, so it decides as live.
    environment["Gateway__MaxReadingAge"] = "3650.00:00:00";
    environment["Gateway__DeviceRateLimit__ReadingsPerSecond"] = "1000000";
    environment["Gateway__DeviceRateLimit__Burst"] = "10000000";
}
await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Replicas = replicas, Environment = environment, Output = Print }, stop.Token);

output.WriteLine($"Kafka bootstrap: {cluster.Kafka.BootstrapServers}");
// Tokens for trying the APIs by hand (grpcurl -H "authorization: Bearer <token>"); they are only good for this run.
var tokens = DemoTokens.Mint(cluster.Tokens);
if (tokensFile is not null)
{
    DemoTokens.Write(tokensFile, tokens);
    output.WriteLine($"Tokens ({DemoTokens.Lifetime.TotalHours:0} h): {string.Join(", ", tokens.Select(t => t.Variable))} in {Path.GetFullPath(tokensFile)}");
}
else
{
    foreach (var token in tokens)
    {
        output.WriteLine($"Token, {token.Holder} ({DemoTokens.Lifetime.TotalHours:0} h): {token.Value}");
    }
}
if (webhook is not null)
{
    output.WriteLine($"Alerts are POSTed to {webhook["Delivery__Webhooks__0__Url"]} ({webhook["Delivery__Webhooks__0__Format"]}), signed with the secret {webhook["Delivery__Webhooks__0__Secret"]}.");
}
foreach (var instance in cluster.Instances)
{
    output.WriteLine($"{instance.Name} gRPC: {instance.Grpc.ToString().TrimEnd('/')}");
}
// The Gateway's other front doors (README, "Device front doors"): a device signs in with its id and the key RegisterDevice
// issued; HL7 v2 is taken from this machine as the sender its address names, for the devices registered with that sender.
foreach (var gateway in cluster.InstancesOf("Gateway"))
{
    output.WriteLine($"{gateway.Name} MQTT: {gateway.Mqtt!.ToString().TrimEnd('/')} (topic vitaltwin/v1/devices/<device id>/readings)");
    output.WriteLine($"{gateway.Name} FHIR R4: {gateway.Http}fhir (POST Observation or a Bundle; metadata at {gateway.Http}fhir/metadata)");
    output.WriteLine($"{gateway.Name} HL7 v2 (MLLP): {gateway.Hl7!.Host}:{gateway.Hl7.Port} (ORU^R01, sender {LocalCluster.LocalHl7Sender})");
}

var simulator = new Dictionary<string, string>(quiet)
{
    // The first Gateway: the devices it registers reach the other replicas through the devices topic.
    ["Simulator__GatewayUrl"] = cluster["Gateway"].Grpc.ToString(),
    // The simulator plays the hospital's registration system when it binds its devices to patients.
    ["Simulator__AccessToken"] = cluster.Tokens.Mint("simulator", [Roles.Registrar], lifetime: TimeSpan.FromDays(7)),
};
if (replay is not null)
{
    simulator["Simulator__Replay"] = Path.GetFullPath(replay);
    simulator["Simulator__Speed"] = speed.ToString(CultureInfo.InvariantCulture);
    simulator["Simulator__Timestamps"] = "Recorded";
    // The simulator says when the recording is played; the system runs on until stopped.
    simulator["Logging__LogLevel__VitalTwin.Simulator.Streaming"] = "Information";
    cluster.StartProgram("Simulator", "VitalTwin.Simulator", simulator, Print);
    output.WriteLine(FormattableString.Invariant($"Replaying {Path.GetFileName(replay)} at {speed}x with its recorded timestamps. Ctrl-C stops."));
}
else
{
    simulator["Simulator__Patients"] = patients.ToString(CultureInfo.InvariantCulture);
    simulator["Simulator__Deteriorating"] = deteriorating.ToString(CultureInfo.InvariantCulture);
    cluster.StartProgram("Simulator", "VitalTwin.Simulator", simulator, Print);
    output.WriteLine($"Simulating {patients} patients ({deteriorating} deteriorating). Ctrl-C stops.");
}

output.WriteLine($"Patients are placed alternately on {string.Join(" and ", DemoWards.Names)} as their twins appear.");
var dashboard = await cluster.StartDashboardAsync(DemoWards.Names, stop.Token);
output.WriteLine($"Ward dashboard: {dashboard} (sign in on its local page: any name, role clinician, every ward or one)");
var wards = new DemoWards(cluster, line => output.WriteLine($"  wards: {line}")).RunAsync(stop.Token);
await new StatusBoard(cluster, output).RunAsync(TimeSpan.FromSeconds(5), stop.Token);
await wards;
output.WriteLine("Stopping...");
return 0;
