using System.Text.RegularExpressions;

namespace VitalTwin.Deploy.Tests;

public sealed partial class DockerfileTests
{
    [Fact]
    public void The_deployable_services_are_the_four_services_the_dashboard_and_the_simulator()
    {
        Assert.Equal(
            ["AnomalyDetection", "Dashboard", "Gateway", "Notification", "Simulator", "TwinState"],
            DeployableService.All.Select(service => service.Folder));
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void Each_service_has_a_multi_stage_dockerfile_that_builds_its_own_project(string folder)
    {
        var service = new DeployableService(folder);
        var dockerfile = LoadFor(service);

        var stages = dockerfile.All("FROM").ToList();
        Assert.True(stages.Count >= 2, $"{Repository.Relative(dockerfile.Path)} has {stages.Count} stage(s); the SDK must stay out of the runtime image.");
        // Docker elsewhere builds with the official images by default; the Images target passes a local base instead.
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile.WithDefaults(stages[^1]), StringComparison.Ordinal);

        // The stage that publishes is the SDK's (another may come before it, e.g. Node for the dashboard's npm packages).
        var publishing = dockerfile.Instructions.ToList().FindIndex(i => i.Instruction == "RUN" && PublishedProject().IsMatch(i.Arguments));
        var publishingStage = dockerfile.Instructions.Take(publishing).Last(i => i.Instruction == "FROM").Arguments;
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", dockerfile.WithDefaults(publishingStage), StringComparison.Ordinal);
        var buildStage = StageName().Match(publishingStage).Groups["name"].Value;
        Assert.Contains(dockerfile.FinalStage, i => i.Instruction == "COPY" && i.Arguments.StartsWith($"--from={buildStage} ", StringComparison.Ordinal));

        var published = Assert.Single(dockerfile.All("RUN").Select(run => PublishedProject().Match(run)), match => match.Success);
        Assert.Equal(Repository.Relative(service.ProjectFile), published.Groups["project"].Value);
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void Each_image_runs_as_a_non_root_user(string folder)
    {
        var dockerfile = LoadFor(new DeployableService(folder));

        var user = dockerfile.FinalStage.Last(i => i.Instruction == "USER").Arguments.Split(':')[0];

        Assert.DoesNotContain(user, new[] { "root", "0" });
        // Numeric, so that Kubernetes' runAsNonRoot can check it; 1654 is the aspnet image's "app" user.
        Assert.Equal("1654", user);
        Assert.Equal("USER", dockerfile.FinalStage.Last(i => i.Instruction is "USER" or "RUN" or "COPY").Instruction);
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void Each_entrypoint_starts_the_assembly_its_project_builds(string folder)
    {
        var service = new DeployableService(folder);

        var entrypoint = LoadFor(service).Entrypoint;

        Assert.Equal(["dotnet", $"{service.AssemblyName}.dll"], entrypoint);
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void Each_web_service_listens_on_the_ports_it_exposes_and_the_chart_uses(string folder)
    {
        var service = new DeployableService(folder);
        var dockerfile = LoadFor(service);
        if (!service.IsWebService)
        {
            Assert.Empty(dockerfile.All("EXPOSE"));
            return;
        }

        var environment = dockerfile.FinalEnvironment;
        var http = PortOf(environment["Kestrel__Endpoints__Http__Url"]);
        var exposed = dockerfile.All("EXPOSE").SelectMany(e => e.Split(' ')).Select(int.Parse).ToList();
        var values = Yaml.LoadObject("charts", "vitaltwin", "values.yaml");
        var chartService = Yaml.MergeValues(values["serviceDefaults"]!.AsObject(), values["services"]![service.ValuesKey]!.AsObject());

        Assert.Equal((int)Yaml.At(chartService, "ports.http")!, http);
        if ((string?)chartService["serves"] == "web")
        {
            // A web application: its pages and health on the one http listener.
            Assert.Equal([http], exposed);
            Assert.DoesNotContain("Kestrel__Endpoints__Grpc__Url", environment.Keys);
            return;
        }

        var grpc = PortOf(environment["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal([grpc, http], exposed);
        // The base image's default port would stay among the server's addresses as http://*:8080, unparsable as a URI.
        Assert.Equal("", environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal((int)Yaml.At(chartService, "ports.grpc")!, grpc);
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void A_service_with_npm_packages_gets_them_from_its_lock_file_before_it_is_published(string folder)
    {
        var service = new DeployableService(folder);
        var dockerfile = LoadFor(service);
        if (!File.Exists(Path.Combine(service.ProjectDirectory, "package.json")))
        {
            Assert.DoesNotContain(dockerfile.All("RUN"), run => run.Contains("npm", StringComparison.Ordinal));
            return;
        }

        // The SDK image has no npm: a stage of its own installs exactly what package-lock.json pins, and the project
        // finds node_modules in place when it is published, so its build only copies the files into wwwroot.
        var project = Repository.Relative(service.ProjectDirectory);
        var instructions = dockerfile.Instructions.ToList();
        Assert.Contains(dockerfile.All("COPY"), copy => copy.Contains($"{project}/package-lock.json", StringComparison.Ordinal));
        Assert.Contains(dockerfile.All("RUN"), run => run.StartsWith("npm ci ", StringComparison.Ordinal));
        var modules = instructions.FindIndex(i => i.Instruction == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal) && i.Arguments.EndsWith($" {project}/node_modules/", StringComparison.Ordinal));
        var publish = instructions.FindIndex(i => i.Instruction == "RUN" && PublishedProject().IsMatch(i.Arguments));
        Assert.InRange(modules, 0, publish - 1);
    }

    [Theory]
    [MemberData(nameof(DeployableService.Folders), MemberType = typeof(DeployableService))]
    public void The_base_images_are_build_arguments_and_the_application_comes_from_the_stage_named_build(string folder)
    {
        var dockerfile = LoadFor(new DeployableService(folder));

        // Where no registry is reachable, the Images target passes RUNTIME_IMAGE (its local base) and replaces the stage
        // named "build" with the host's publish output (--build-context build=<dir>, holding app/): the SDK stage then
        // never runs, and the runtime stage must take /app from that stage alone.
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile.GlobalArguments["RUNTIME_IMAGE"]);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", dockerfile.GlobalArguments["SDK_IMAGE"]);
        Assert.Equal("${RUNTIME_IMAGE} AS runtime", dockerfile.FinalStage[0].Arguments);
        Assert.Contains("${SDK_IMAGE} AS build", dockerfile.All("FROM"));
        var copies = dockerfile.FinalStage.Where(i => i.Instruction == "COPY").Select(i => i.Arguments).ToList();
        Assert.Equal("--from=build /app ./", Assert.Single(copies));
    }

    [Fact]
    public void The_local_runtime_base_holds_the_two_shared_runtimes_and_no_sdk()
    {
        var containerfile = Dockerfile.Load(Repository.PathOf("deploy", "containers", "runtime.Containerfile"));

        var copied = containerfile.All("COPY").Select(copy => copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).SelectMany(sources => sources).ToList();

        Assert.Contains("shared/Microsoft.NETCore.App/${RUNTIME_VERSION}/", copied);
        Assert.Contains("shared/Microsoft.AspNetCore.App/${RUNTIME_VERSION}/", copied);
        Assert.DoesNotContain(copied, source => source.StartsWith("sdk", StringComparison.Ordinal) || source.StartsWith("packs", StringComparison.Ordinal) || source == ".");
        Assert.Equal("1654", containerfile.FinalEnvironment["APP_UID"]);
    }

    [Fact]
    public void What_the_dockerfiles_copy_exists()
    {
        foreach (var service in DeployableService.All)
        {
            var dockerfile = LoadFor(service);
            foreach (var copy in dockerfile.All("COPY").Where(c => !c.StartsWith("--from", StringComparison.Ordinal)))
            {
                var sources = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1];
                Assert.All(sources, source => Assert.True(
                    File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)),
                    $"{Repository.Relative(dockerfile.Path)} copies {source}, which the repository does not have."));
            }
        }
    }

    internal static Dockerfile LoadFor(DeployableService service)
    {
        var path = Repository.PathOf("deploy", "docker", $"{service.Kebab}.Dockerfile");
        Assert.True(File.Exists(path), $"{service.Folder} has no Dockerfile at {Repository.Relative(path)}.");
        return Dockerfile.Load(path);
    }

    private static int PortOf(string url) => new Uri(url.Replace("+", "localhost", StringComparison.Ordinal)).Port;

    [GeneratedRegex(@"\sAS\s+(?<name>\S+)$", RegexOptions.IgnoreCase)]
    private static partial Regex StageName();

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)")]
    private static partial Regex PublishedProject();
}
