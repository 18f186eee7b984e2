// Prints the op table (expr/ops.hpp's lists) as JSON: codegen/lossc_keras/op_table.json is this program's
// output, codegen and the random-loss generator read it, and docs/dsl.md's op tables are rendered
// from it (tests/tools/check_op_table.py checks all three and rewrites them with --write).
#include <cctype>
#include <cstdio>
#include <lossc/lossc.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace {

std::string json_string(std::string_view s) {
    std::string r = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        r += c;
    }
    return r + '"';
}

/// "exp_op" for lossc::ops::exp_op, from the compiler's spelling of the function's signature.
template <class T> std::string struct_name() {
    const std::string_view f = __PRETTY_FUNCTION__;
    const auto from = f.find("T = ") + 4;
    std::string_view t = f.substr(from, f.find_first_of(";]", from) - from);
    if (const auto colon = t.rfind("::"); colon != std::string_view::npos) t.remove_prefix(colon + 2);
    return std::string(t);
}

template <class Op> std::string infix_of() {
    if constexpr (requires { Op::infix; })
        return Op::infix ? "true" : "false";
    else
        return "false";
}

/// The DSL function that builds the op, as JSON: "exp" for the spelling "exp(x)", null for an
/// operator ("a + b", "-a"). Its readers (codegen, the random losses, the docs) take it from here.
std::string function_of(std::string_view spelling) {
    const auto paren = spelling.find('(');
    if (paren == std::string_view::npos || spelling.empty() || !std::isalpha(static_cast<unsigned char>(spelling[0])))
        return "null";
    return json_string(spelling.substr(0, paren));
}

struct printer {
    int arity;
    bool first = true;
    template <class Op> void operator()(std::type_identity<Op>) {
        std::printf(
            "%s\n    {\"struct\": %s, \"name\": %s, \"function\": %s, \"arity\": %d, \"infix\": %s, "
            "\"parameters\": %s, \"differentiable\": %s, \"transcendental\": %s",
            first ? "" : ",", json_string(struct_name<Op>()).c_str(), json_string(Op::name).c_str(),
            function_of(Op::doc.spelling).c_str(), arity, infix_of<Op>().c_str(),
            std::is_empty_v<Op> ? "false" : "true", Op::differentiable ? "true" : "false",
            Op::transcendental ? "true" : "false");
        if constexpr (requires { Op::dom; })
            std::printf(", \"domain\": [%g, %g], \"packet_ulp\": %g", Op::dom.lo, Op::dom.hi, Op::packet_ulp);
        std::printf(",\n     \"doc\": {\"spelling\": %s, \"value\": %s, \"derivative\": %s, \"stable\": %s}}",
                    json_string(Op::doc.spelling).c_str(), json_string(Op::doc.value).c_str(),
                    json_string(Op::doc.derivative).c_str(), json_string(Op::doc.stable).c_str());
        first = false;
    }
};

}  // namespace

int main() {
    std::printf("{\"generated_by\": \"tests/tools/op_table.cpp from include/lossc/expr/ops.hpp\",\n \"unary\": [");
    printer u{1};
    lossc::ops::unary_ops::for_each(u);
    std::printf("\n ],\n \"binary\": [");
    printer b{2};
    lossc::ops::binary_ops::for_each(b);
    std::printf("\n ]\n}\n");
}
