/* Every unit test, in the order run. Add a line here for a new test. */
#define TEST_LIST                                                          \
	X(test_extract)                                                    \
	X(test_utf8)                                                       \
	X(test_matcher)                                                    \
	X(test_yaml_errors)                                                \
	X(test_engine)                                                     \
	X(test_grade_expr)

#define X(n) int n(void);
TEST_LIST
#undef X
