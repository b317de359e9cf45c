using Rampart.Testing;

namespace Rampart.Core.Tests;

public sealed class SharedFilesTests
{
    [Fact]
    public void Conformance_data_is_found_beside_the_repository()
    {
        Assert.True(File.Exists(SharedFiles.Conformance("engine.yaml")));
        Assert.True(File.Exists(SharedFiles.Fixture("standard.yaml")));
    }

    [Fact]
    public void Repeat_mappings_expand_to_prefix_text_and_suffix()
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader("{$repeat: ab, count: 3, prefix: '<', suffix: '>'}"));
        Assert.Equal("<ababab>", ConformanceYaml.Convert(stream.Documents[0].RootNode));
    }
}
