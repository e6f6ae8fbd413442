using Grpc.Net.Client;
using Microsoft.Playwright;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;
using VitalTwin.EndToEnd.Tests;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Dashboard.Tests.Browser;

/// <summary>
/// The real system (embedded Kafka, the four services and the dashboard, each a process of its own) with patients on
/// two wards, and Debian's Chromium driving the dashboard. Tests admit patients of their own where they change them.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string WardA = "ward-a";
    public const string WardB = "ward-b";

    /// <summary>What a browser waits for at most: the machine may be busy with other builds.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<GrpcChannel> _channels = [];

    public LocalCluster Cluster { get; private set; } = null!;

    public Uri Dashboard { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    private IPlaywright Playwright { get; set; } = null!;

    /// <summary>A stable patient on ward A and one on ward B, placed before any test runs.</summary>
    internal Readings WardAPatient { get; private set; } = null!;

    internal Readings WardBPatient { get; private set; } = null!;

    /// <summary>A ward-A patient whose NEWS2 is high, so the ward has an open alert to show.</summary>
    internal Readings SickWardAPatient { get; private set; } = null!;

    public static readonly (double HeartRate, double Spo2, double RespiratoryRate, double Systolic, double Temperature) SickVitals = (127.5, 90, 27, 92, 39.25);

    /// <summary>The stable vitals both placed patients were given; ward B's distinctive systolic is what must never show to ward A.</summary>
    public static readonly (double HeartRate, double Spo2, double RespiratoryRate, double Systolic, double Temperature) StableVitals = (71, 97, 15, 123, 36.9);

    public const double WardBSystolic = 141;

    /// <summary>TwinQuery and the Gateway as hospital staff on every ward: what the tests compare the pages with, and how they feed the system.</summary>
    public TwinQuery.TwinQueryClient Twins { get; private set; } = null!;

    public VitalSignIngestion.VitalSignIngestionClient Ingestion { get; private set; } = null!;

    /// <summary>TwinWhatIf as the same staff: the answers the what-if panel is compared with.</summary>
    public TwinWhatIf.TwinWhatIfClient WhatIf { get; private set; } = null!;

    private DeviceRegistry.DeviceRegistryClient Registry { get; set; } = null!;

    /// <summary>Where screenshots go: <c>artifacts/dashboard/</c> at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "dashboard");

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                Partitions = 4,
                StartTimeout = TimeSpan.FromSeconds(120),
                Environment = new Dictionary<string, string>
                {
                    // Each reading scores NEWS2 at once, as in the end-to-end tests: one sick batch raises an alert.
                    ["News2__Hold"] = "00:00:00",
                    ["News2__WindowReadings"] = "1",
                    ["News2__WindowMinReadings"] = "1",
                },
            },
            CancellationToken.None);
        var twinState = Channel("TwinState");
        Twins = new TwinQuery.TwinQueryClient(twinState);
        WhatIf = new TwinWhatIf.TwinWhatIfClient(twinState);
        var gateway = Channel("Gateway");
        Ingestion = new VitalSignIngestion.VitalSignIngestionClient(gateway);
        Registry = new DeviceRegistry.DeviceRegistryClient(gateway);
        Dashboard = await Cluster.StartDashboardAsync([WardA, WardB], CancellationToken.None);
        WardAPatient = await AdmitAsync("tile", WardA, StableVitals);
        WardBPatient = await AdmitAsync("other-ward", WardB, StableVitals with { Systolic = WardBSystolic });
        SickWardAPatient = await AdmitAsync("sick", WardA, StableVitals);
        await SendAsync(SickWardAPatient, SickVitals);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A registered monitor for a new patient whose twin has <paramref name="vitals"/> and who is placed on <paramref name="ward"/>.</summary>
    internal async Task<Readings> AdmitAsync(string test, string ward, (double HeartRate, double Spo2, double RespiratoryRate, double Systolic, double Temperature) vitals)
    {
        var patient = Readings.ForNewPatient(test);
        await patient.RegisterAsync(Registry);
        await SendAsync(patient, vitals);
        await Twins.WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 5, Patience);
        await Twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patient.PatientId, Context = new PatientContext { Ward = ward }, RecordedBy = "browser-admissions" });
        await Twins.WaitForTwinAsync(patient.PatientId, t => t.Context?.Ward == ward, Patience);
        return patient;
    }

    internal async Task SendAsync(Readings patient, (double HeartRate, double Spo2, double RespiratoryRate, double Systolic, double Temperature) vitals) =>
        await Ingestion.IngestAsync(patient.Vitals(vitals.HeartRate, vitals.Spo2, vitals.RespiratoryRate, vitals.Systolic, vitals.Temperature), patient.Credential);

    /// <summary>
    /// A browser session of its own, signed in through the local sign-in page as <paramref name="name"/>, a clinician
    /// of <paramref name="ward"/>; the page is on the wards home once signed in.
    /// </summary>
    public async Task<IPage> SignInAsync(string name, string ward)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Dashboard.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/local-sign-in");
        await FillSignInAsync(page, name, ward);
        await page.WaitForURLAsync(new Uri(Dashboard, "/").ToString());
        await page.GetByTestId("ward-list").WaitForAsync();
        return page;
    }

    public static async Task FillSignInAsync(IPage page, string name, string ward)
    {
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByRole(AriaRole.Group, new() { Name = "Role" }).GetByLabel(Roles.Clinician, new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Wards" }).GetByLabel(ward, new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>The subject the dashboard's local sign-in gives <paramref name="name"/>: what the services record as the actor.</summary>
    public static string SubjectOf(string name) => "local-" + name.ToLowerInvariant().Replace(' ', '-');

    public static async Task ScreenshotAsync(IPage page, string view)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, view + ".png"), FullPage = true });
    }

    /// <summary>One part of a page, as <c>artifacts/dashboard/&lt;view&gt;.png</c>, without the app bar that stays on top of it.</summary>
    public static async Task ScreenshotAsync(ILocator part, string view)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await part.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, view + ".png"), Style = ".mud-appbar { visibility: hidden !important; }" });
    }

    private GrpcChannel Channel(string service)
    {
        var channel = Cluster.Channel(service, Cluster.Tokens.Mint("browser-staff", [Roles.Clinician, Roles.Registrar], [Caller.EveryWard], TimeSpan.FromHours(4)));
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return channel;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VitalTwin.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("VitalTwin.slnx not found above the test's directory.");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "Dashboard in a browser";
}
