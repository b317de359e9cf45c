using System.Diagnostics.Tracing;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Rampart.Testing;

namespace Rampart.Tests.Server;

[CollectionDefinition("dependency injection events", DisableParallelization = true)]
public sealed class DependencyInjectionEventsCollection;

/// <summary>
/// src/Rampart/Hosting/HostGenerics.rd.xml precompiles the closed generic types serve's dependency
/// injection builds at start-up (issue 3: cold start); a type missing there is built by the AOT type
/// loader instead. The set comes from DI's own event source while real servers start and answer.
/// Not parallel: the listener sees every DI container of the process.
/// </summary>
[Collection("dependency injection events")]
public sealed partial class HostGenericsTests
{
    [Fact]
    public async Task Every_generic_type_the_host_builds_is_precompiled()
    {
        var precompiled = Precompiled();
        using var listener = new CallSiteListener();
        foreach (var json in new[] { false, true })
        {
            await using var server = await ServerHarness.StartAsync(configure: o => o with { JsonLogs = json, Verbose = true });
            Assert.Equal(System.Net.HttpStatusCode.OK, (await server.GetAsync("/healthz")).Status);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await server.PostAsync("/v1/tool/exec", """{"agent":"a","command":"git status"}""")).Status);
        }

        var built = listener.GenericImplementationTypes();
        Assert.NotEmpty(built);
        var missing = built.Where(t => !precompiled.Contains(t)).ToList();
        Assert.True(missing.Count == 0, "add to HostGenerics.rd.xml:\n" + string.Join("\n", missing));
    }

    /// <summary>rd.xml names (<c>Ns.T`1[[Arg,Assembly]]</c>) in <see cref="Type.ToString"/> form (<c>Ns.T`1[Arg]</c>).</summary>
    static HashSet<string> Precompiled()
    {
        var file = Path.Combine(SharedFiles.RepoRoot, "src", "Rampart", "Hosting", "HostGenerics.rd.xml");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in XDocument.Load(file).Descendants().Where(e => e.Name.LocalName == "Type"))
        {
            var name = (string)type.Attribute("Name")!;
            var open = name.IndexOf("[[", StringComparison.Ordinal);
            var args = AssemblyName().Replace(name[(open + 2)..^2], "").Split("],[");
            names.Add(name[..open] + "[" + string.Join(",", args) + "]");
        }
        return names;
    }

    [GeneratedRegex(",[^,\\]]+$|,[^,\\]]+(?=\\],\\[)")]
    private static partial Regex AssemblyName();

    [GeneratedRegex("\"implementationType\":\\s*\"([^\"]*`[^\"]*)\"")]
    private static partial Regex ImplementationType();

    sealed class CallSiteListener : EventListener
    {
        readonly List<string> _callSites = [];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Extensions-DependencyInjection") EnableEvents(source, EventLevel.Verbose, EventKeywords.All);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "CallSiteBuilt" && e.Payload is { Count: > 1 } payload)
            {
                lock (_callSites) _callSites.Add(payload[1]?.ToString() ?? "");
            }
        }

        public SortedSet<string> GenericImplementationTypes()
        {
            var types = new SortedSet<string>(StringComparer.Ordinal);
            lock (_callSites)
            {
                foreach (var callSite in _callSites)
                {
                    foreach (Match m in ImplementationType().Matches(callSite)) types.Add(Regex.Unescape(m.Groups[1].Value));
                }
            }
            return types;
        }
    }
}
