using Rampart.Core.Policies;

namespace Rampart.Core.Tests.Policies;

/// <summary>POL-014..POL-024: decoding rules and validation messages of one document.</summary>
public sealed class PolicyYamlTests
{
    static PolicyDocument Parse(string yaml) => PolicyYaml.Parse(yaml, "/p/policy.yaml");

    static string Error(string yaml) => Assert.Throws<PolicyLoadException>(() => Parse(yaml)).Message;

    static string OneRule(string rule, string match = "") =>
        "policies:\n  - name: p\n" + (match.Length > 0 ? "    match: " + match + "\n" : "") + "    rules:\n      - " + rule + "\n";

    // ---- POL-024 decoding ----

    [Theory]
    [InlineData("", "engine: parse policy file: EOF")]
    [InlineData("# only a comment\n", "engine: parse policy file: EOF")]
    [InlineData("version: \"1\"\n---\nversion: \"1\"\n", "engine: parse policy file: policy must contain exactly one YAML document")]
    [InlineData("version: \"1\"\nfoo: 1\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 2: field foo not found in type engine.Config")]
    [InlineData("policies:\n  - name: p\n    bogus: 1\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: field bogus not found in type engine.Policy")]
    [InlineData("policies:\n  - name: p\n    match: {tool: exec, user: x}\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: field user not found in type engine.Match")]
    [InlineData("version: \"1\"\nversion: \"1\"\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 2: mapping key \"version\" already defined at line 1")]
    [InlineData("policies:\n  - name: p\n    priority: \"5\"\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `5` into int")]
    [InlineData("policies:\n  - name: p\n    enabled: \"true\"\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `true` into bool")]
    [InlineData("policies:\n  - name: p\n    enabled: maybe\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `maybe` into bool")]
    [InlineData("policies:\n  - name: p\n    rules:\n      - action: deny\n        when: {command_matches: \"rm *\"}\n",
        "engine: parse policy file: yaml: unmarshal errors:\n  line 5: cannot unmarshal !!str `rm *` into []string")]
    [InlineData("policies:\n  - name: p\n    match: {tool: {a: b}}\n", "engine: parse policy file: engine: tool must be a string or list of strings")]
    [InlineData("policies:\n  - name: p\n    match: {tool: [exec, {a: b}]}\n",
        "engine: parse policy file: engine: invalid tool list: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!map into string")]
    [InlineData("policies:\n  - name: p\n    match: {agent: [a, b]}\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!seq into string")]
    [InlineData("notify: {on: deny}\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `deny` into []string")]
    [InlineData("tests:\n  - name: t\n    session: s\n", "engine: parse policy file: yaml: unmarshal errors:\n  line 3: field session not found in type engine.TestCase")]
    public void Decoding_errors_are_reported_with_the_parse_prefix(string yaml, string expected)
    {
        Assert.Equal(expected, Error(yaml));
    }

    [Theory]
    [InlineData("ask: {audit: true, prompt: x}", "engine.AskConfig")]
    [InlineData("webhook: {url: \"https://x\", retries: 3}", "engine.WebhookConfig")]
    [InlineData("when: {agent_depth: {gt: 1}}", "engine.AgentDepthCondition")]
    [InlineData("when: {call_count: {gte: 1, window: 1m, per: x}}", "engine.CallCountCondition")]
    [InlineData("colour: red", "engine.Rule")]
    public void Unknown_keys_are_errors_at_every_level(string ruleBody, string type)
    {
        Assert.Contains("not found in type " + type, Error(OneRule("action: deny\n        " + ruleBody.Replace("\n", "\n        "))));
    }

    [Fact]
    public void All_type_errors_of_a_document_are_reported_together()
    {
        var message = Error("version: \"1\"\nextra: 1\npolicies:\n  - name: p\n    other: 2\n");
        Assert.Equal("engine: parse policy file: yaml: unmarshal errors:\n  line 2: field extra not found in type engine.Config\n" +
            "  line 5: field other not found in type engine.Policy", message);
    }

    [Fact]
    public void Too_large_text_is_rejected()
    {
        var yaml = "# " + new string('x', PolicyYaml.MaxFileBytes) + "\n";
        Assert.Equal($"engine: policy file too large ({yaml.Length} bytes, max 1048576)", Error(yaml));
    }

    [Fact]
    public void String_fields_keep_the_source_text_of_any_scalar()
    {
        var doc = Parse("version: 1\npolicies:\n  - name: 5\n    description: 0x10\n    match: {agent: 1.50, session: ~}\n");
        Assert.Equal("1", doc.Version);
        Assert.Equal("5", doc.Policies[0].Name);
        Assert.Equal("1.50", doc.Policies[0].Match.Agent);
        Assert.Equal("", doc.Policies[0].Match.Session);
    }

    [Theory]
    [InlineData("10", 10)]
    [InlineData("-3", -3)]
    [InlineData("0x1F", 31)]
    [InlineData("0o17", 15)]
    [InlineData("017", 15)]
    [InlineData("10.5", 10)]
    [InlineData("1_000", 1000)]
    [InlineData("1e2", 100)]
    public void Integer_fields_accept_yaml_v3_numbers(string text, int expected)
    {
        Assert.Equal(expected, Parse($"policies:\n  - name: p\n    priority: {text}\n").Policies[0].Priority);
    }

    [Theory]
    [InlineData("true", true)] [InlineData("TRUE", true)] [InlineData("True", true)] [InlineData("yes", true)]
    [InlineData("Y", true)] [InlineData("on", true)] [InlineData("ON", true)]
    [InlineData("false", false)] [InlineData("no", false)] [InlineData("N", false)] [InlineData("off", false)] [InlineData("Off", false)]
    public void Boolean_fields_accept_yaml_1_1_words(string text, bool expected)
    {
        Assert.Equal(expected, Parse($"policies:\n  - name: p\n    enabled: {text}\n").Policies[0].Enabled);
    }

    [Fact]
    public void Absent_or_null_enabled_means_true()
    {
        var doc = Parse("policies:\n  - name: a\n  - name: b\n    enabled: ~\n");
        Assert.True(doc.Policies[0].Enabled);
        Assert.True(doc.Policies[1].Enabled);
    }

    [Theory]
    [InlineData("2020-01-02", "2020-01-02T00:00:00+00:00")]
    [InlineData("2020-01-02T03:04:05Z", "2020-01-02T03:04:05+00:00")]
    [InlineData("2020-01-02T03:04:05+02:00", "2020-01-02T01:04:05+00:00")]
    [InlineData("2020-1-2 3:04:05", "2020-01-02T03:04:05+00:00")]
    [InlineData("\"2020-01-02T03:04:05Z\"", "2020-01-02T03:04:05+00:00")]
    public void Timestamps_accept_unquoted_yaml_forms_and_quoted_rfc3339(string text, string expected)
    {
        var rule = Parse(OneRule("action: deny\n        expires_at: " + text)).Policies[0].Rules[0];
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), rule.ExpiresAt);
    }

    [Theory]
    [InlineData("\"2020-01-02\"")]
    [InlineData("tomorrow")]
    [InlineData("5")]
    public void Other_timestamp_spellings_are_errors(string text)
    {
        Assert.StartsWith("engine: parse policy file: ", Error(OneRule("action: deny\n        added: " + text)));
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_work()
    {
        var doc = Parse("""
            x-base: &base
              match: {tool: exec}
            policies:
              - name: a
                <<: {priority: 7, description: merged}
                description: explicit
                rules:
                  - &deny {action: deny, message: shared}
              - name: b
                rules: [*deny]
            """.Replace("x-base: &base\n  match: {tool: exec}\n", ""));
        Assert.Equal(7, doc.Policies[0].Priority);
        Assert.Equal("explicit", doc.Policies[0].Description);
        Assert.Equal("shared", doc.Policies[1].Rules[0].Message);
        Assert.Equal(RuleAction.Deny, doc.Policies[1].Rules[0].Action);
    }

    [Fact]
    public void Alias_bombs_are_rejected()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var i = 0; i < 8; i++) yaml += $"{(char)('b' + i)}: &{(char)('b' + i)} [*{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}, *{(char)('a' + i)}]\n";
        Assert.Equal("engine: parse policy file: yaml: document contains excessive aliasing", Error(yaml));
    }

    [Fact]
    public void Merge_key_sequence_gives_earlier_sources_precedence()
    {
        var doc = Parse("policies:\n  - name: p\n    <<: [{priority: 1}, {priority: 2, description: d}]\n");
        Assert.Equal(1, doc.Policies[0].Priority);
        Assert.Equal("d", doc.Policies[0].Description);
    }

    [Fact]
    public void Tool_accepts_a_scalar_a_list_or_nothing()
    {
        var doc = Parse("policies:\n  - {name: a, match: {tool: exec}}\n  - {name: b, match: {tool: [read, write]}}\n  - {name: c, match: {tool: \"\"}}\n  - {name: d, match: {tool: }}\n");
        Assert.Equal<string>(["exec"], doc.Policies[0].Match.Tools);
        Assert.Equal<string>(["read", "write"], doc.Policies[1].Match.Tools);
        Assert.Equal<string>([""], doc.Policies[2].Match.Tools);
        Assert.Empty(doc.Policies[3].Match.Tools);
    }

    [Fact]
    public void Sequence_items_may_be_any_scalars()
    {
        var when = Parse(OneRule("action: deny\n        when: {command_matches: [5, ~, true]}")).Policies[0].Rules[0].When;
        Assert.Equal<string>(["5", "", "true"], when.CommandMatches);
    }

    [Fact]
    public void Rules_and_policies_record_their_lines_and_source()
    {
        var doc = Parse("version: \"1\"\npolicies:\n  - name: p\n    rules:\n      - action: deny\n      - action: allow\n");
        Assert.Equal(3, doc.Policies[0].Line);
        Assert.Equal([5, 6], doc.Policies[0].Rules.Select(r => r.Line));
        Assert.Equal("/p/policy.yaml", doc.Policies[0].Source);
    }

    [Fact]
    public void Rule_fields_decode_into_the_model()
    {
        var rule = Parse(OneRule("""
            action: Webhook
                    message: m
                    once: yes
                    ask: {audit: true, headless_only: on}
                    webhook: {url: "https://h.example/x", timeout: 45s, fail_open: true}
                    when:
                      agent_depth: {gte: 1, lte: 3}
                      tool_param_matches: {path: "*.env", b: x}
                      call_count: {tool: fetch, gte: 10, window: 1m30s}
                      default: false
            """)).Policies[0].Rules[0];
        Assert.Equal(RuleAction.Webhook, rule.Action);
        Assert.Equal("Webhook", rule.RawAction);
        Assert.True(rule.Once);
        Assert.Equal(new AskOptions(true, true), rule.Ask);
        Assert.Equal(new WebhookOptions("https://h.example/x", TimeSpan.FromSeconds(30), true), rule.Webhook);
        Assert.Equal(new AgentDepthRange(1, 3, null), rule.When.AgentDepth);
        Assert.Equal<KeyValuePair<string, string>>([new("path", "*.env"), new("b", "x")], rule.When.ToolParamMatches);
        Assert.Equal(new CallCountCondition("fetch", 10, "1m30s", TimeSpan.FromSeconds(90)), rule.When.CallCount);
    }

    [Theory]
    [InlineData("", 5)]
    [InlineData("timeout: 0s", 5)]
    [InlineData("timeout: 500ms", 0.5)]
    [InlineData("timeout: 2m", 30)]
    public void Webhook_timeout_defaults_to_5s_and_caps_at_30s(string timeout, double seconds)
    {
        var rule = Parse(OneRule("action: webhook\n        webhook: {url: \"https://x\"" + (timeout.Length > 0 ? ", " + timeout : "") + "}")).Policies[0].Rules[0];
        Assert.Equal(TimeSpan.FromSeconds(seconds), rule.Webhook!.EffectiveTimeout);
    }

    [Fact]
    public void Webhook_timeout_must_be_a_duration_string()
    {
        Assert.Equal("engine: parse policy file: invalid duration \"5\": time: missing unit in duration \"5\"",
            Error(OneRule("action: webhook\n        webhook: {url: \"https://x\", timeout: 5}")));
    }

    [Fact]
    public void Plain_http_webhooks_only_warn()
    {
        var doc = Parse(OneRule("action: webhook\n        webhook: {url: \"http://x.example\"}"));
        Assert.Single(doc.Warnings);
    }

    [Fact]
    public void Test_case_params_become_json()
    {
        var test = Parse("tests:\n  - name: t\n    tool: exec\n    agent: a\n    params: {command: ls, n: 3, f: 1.5, ok: true, none: ~, when: 2020-01-01, list: [1, x]}\n    expect: allow\n    expect_message: hi\n").Tests[0];
        Assert.Equal("{\"command\":\"ls\",\"n\":3,\"f\":1.5,\"ok\":true,\"none\":null,\"when\":\"2020-01-01\",\"list\":[1,\"x\"]}", test.ParamsJson);
        Assert.Equal("a", test.Agent);
        Assert.Equal("hi", test.ExpectMessage);
    }

    // ---- POL-014..POL-022 validation ----

    [Theory]
    [InlineData("version: \" 2\"\n", "engine: unsupported policy version \" 2\"")]
    [InlineData("default_action: require_approval\n", "engine: invalid default_action \"require_approval\"")]
    [InlineData("policies:\n  - description: x\n", "engine: policy at index 0 has no name")]
    [InlineData("policies:\n  - name: a\n  - name: a\n", "engine: duplicate policy name \"a\"")]
    public void Document_checks_use_the_spec_messages(string yaml, string expected)
    {
        Assert.Equal(expected, Error(yaml));
    }

    [Theory]
    [InlineData("version: \" 1 \"\ndefault_action: \" LOG \"\n")]
    [InlineData("default_action: Watch\n")]
    [InlineData("policies: ~\n")]
    public void Trimmed_version_and_default_action_are_accepted(string yaml)
    {
        Parse(yaml);
    }

    [Theory]
    [InlineData("action: \" deny\"", "engine: policy \"p\": rule 0: engine: unknown action \" deny\"")]
    [InlineData("action: Require_Approval", "engine: policy \"p\": rule 0: action \"require_approval\" was removed in v0.9.9; use \"ask\" instead (see migration guide)")]
    [InlineData("action: webhook\n        webhook: {url: \"  \"}", "engine: policy \"p\": rule 0: webhook action requires webhook.url")]
    [InlineData("action: deny\n        when: {response_matches: [\"(?=x)\"]}", "engine: policy \"p\": rule 0: invalid response regex \"(?=x)\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`")]
    [InlineData("action: deny\n        when: {response_not_matches: [\"(a*)*\"]}", "engine: policy \"p\": rule 0: invalid response regex \"(a*)*\": nested quantifiers are not allowed")]
    [InlineData("action: deny\n        when: {response_matches: ['(a)\\1']}", "engine: policy \"p\": rule 0: invalid response regex \"(a)\\\\1\": error parsing regexp: invalid escape sequence: `\\1`")]
    [InlineData("action: deny\n        when: {command_contains: [x, \"\"]}", "engine: policy \"p\": rule 0: command_contains pattern 1 must not be empty or whitespace-only")]
    [InlineData("action: deny\n        when: {call_count: {gte: -1, window: 1m}}", "engine: policy \"p\": rule 0: call_count.gte must be >= 0")]
    [InlineData("action: deny\n        when: {call_count: {gte: 1, window: \" \"}}", "engine: policy \"p\": rule 0: call_count.window is required")]
    [InlineData("action: deny\n        when: {call_count: {gte: 1, window: 1d}}", "engine: policy \"p\": rule 0: invalid call_count.window \"1d\": time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("action: deny\n        when: {call_count: {gte: 1, window: \" 1m\"}}", "engine: policy \"p\": rule 0: invalid call_count.window \" 1m\": time: invalid duration \" 1m\"")]
    [InlineData("action: deny\n        when: {call_count: {gte: 1, window: 0s}}", "engine: policy \"p\": rule 0: call_count.window must be > 0")]
    [InlineData("action: deny\n        when: {call_count: {gte: 1, window: 43201m}}", "engine: policy \"p\": rule 0: call_count.window must be <= 720h0m0s")]
    public void Rule_checks_use_the_spec_messages(string rule, string expected)
    {
        Assert.Equal(expected, Error(OneRule(rule)));
    }

    [Fact]
    public void Rule_checks_run_in_spec_order()
    {
        // Action first, although the webhook URL and command_contains are also wrong.
        Assert.EndsWith("unknown action \"nope\"", Error(OneRule("action: nope\n        when: {command_contains: [\"\"]}")));
        // Response regex before command_contains.
        Assert.Contains("invalid response regex", Error(OneRule("action: deny\n        when: {command_contains: [\"\"], response_matches: [\"(\"]}")));
    }

    public static TheoryData<string, string, string> GlobBoundCases() => new()
    {
        { "match", "{agent: \"" + new string('a', 8193) + "\"}", "engine: policy \"p\": match.agent pattern is 8193 bytes (max 8192)" },
        { "match", "{session: \"**" + new string('a', 255) + "\"}", "engine: policy \"p\": match.session double-star pattern is 257 bytes (max 256)" },
        { "match", "{tool: [exec, \"****x**\"]}", "engine: policy \"p\": match.tool pattern \"****x**\" has 3 ** occurrences (max 2)" },
        { "rule", "when: {url_matches: [\"**/**/**\"]}", "engine: policy \"p\": rule 0 url_matches pattern \"**/**/**\" has 3 ** occurrences (max 2)" },
        { "rule", "when: {tool_param_matches: {file: \"**a**b**\"}}", "engine: policy \"p\": rule 0 tool_param_matches.file pattern \"**a**b**\" has 3 ** occurrences (max 2)" },
        { "rule", "when: {command_env_assignments: [\"é" + new string('a', 8191) + "\"]}", "engine: policy \"p\": rule 0 command_env_assignments pattern is 8193 bytes (max 8192)" },
    };

    [Theory]
    [MemberData(nameof(GlobBoundCases))]
    public void Glob_bounds_are_enforced_in_bytes(string where, string yaml, string expected)
    {
        var doc = where == "match" ? OneRule("action: deny", yaml) : OneRule("action: deny\n        " + yaml);
        Assert.Equal(expected, Error(doc));
    }

    [Theory]
    [InlineData("***", 1)]
    [InlineData("****", 2)]
    [InlineData("**a**", 2)]
    [InlineData("*a*", 0)]
    public void Double_stars_are_counted_without_overlap(string pattern, int expected)
    {
        Assert.Equal(expected, PolicyValidator.CountDoubleStars(pattern));
    }

    [Theory]
    [InlineData("(a+)+", true)]
    [InlineData("(a*)*", true)]
    [InlineData("(a{2})+", true)]
    [InlineData("((a)+)*", true)]
    [InlineData("(a|b)*c+", false)]
    [InlineData("((a)+)", false)]
    [InlineData("\\(a+\\)+", false)]
    [InlineData("[(a+)]+", false)]
    [InlineData("(a{,2})+", true)]
    [InlineData("(a{x})+", false)]
    public void Nested_quantifier_scan_follows_POL_021(string pattern, bool nested)
    {
        Assert.Equal(nested, PolicyValidator.HasNestedQuantifiers(pattern));
    }

    [Fact]
    public void Response_regexes_longer_than_500_bytes_are_rejected()
    {
        var pattern = new string('é', 251);
        Assert.Equal($"invalid response regex \"{pattern}\": pattern too long (502 > 500 characters)", PolicyValidator.ResponseRegexError(pattern, null));
    }

    [Fact]
    public void Action_names_are_case_insensitive_and_log_means_watch()
    {
        var doc = Parse("policies:\n  - name: p\n    rules:\n      - action: LOG\n      - action: Allow\n      - action: ASK\n");
        Assert.Equal([RuleAction.Watch, RuleAction.Allow, RuleAction.Ask], doc.Policies[0].Rules.Select(r => r.Action));
    }
}
