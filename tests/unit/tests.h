/* Every unit test, in the order run. Add a line here for a new test. */
#define TEST_LIST                                                          \
	X(test_extract)                                                    \
	X(test_utf8)                                                       \
	X(test_matcher)                                                    \
	X(test_yaml_errors)                                                \
	X(test_engine)                                                     \
	X(test_grade_expr)                                                 \
	X(test_prefilter)                                                  \
	X(test_media_g711)                                                 \
	X(test_media_resample)                                             \
	X(test_media_prompt)                                               \
	X(test_media_recorder)                                             \
	X(test_media_tone)                                                 \
	X(test_media_tone_negative)                                        \
	X(test_media_dtmf)                                                 \
	X(test_media_dtmf_dropout)                                         \
	X(test_media_dtmf_negative)                                        \
	X(test_media_stream_audio)                                         \
	X(test_media_stream_dtmf)                                          \
	X(test_media_stream_stop)                                          \
	X(test_media_stream_timeout)                                       \
	X(test_media_stream_reentry)                                       \
	X(test_media_rfc4733_dedupe)                                       \
	X(test_media_stream_garbage)                                       \
	X(test_media_stream_latch)                                         \
	X(test_media_clock)                                                \
	X(test_media_stream_memory)                                        \
	X(test_vad_limits)                                                 \
	X(test_vad_segment)                                                \
	X(test_vad_speech)                                                 \
	X(test_vad_echo)                                                   \
	X(test_sip_outcome)                                                \
	X(test_sip_sdp_offer)                                              \
	X(test_sip_sdp_answer)                                             \
	X(test_sip_sdp_offerer)                                            \
	X(test_sip_sdp_garbage)                                            \
	X(test_sip_hosts)                                                  \
	X(test_tts_flite)                                                  \
	X(test_tts_espeak)                                                 \
	X(test_tts_threads)                                                \
	X(test_tts_key)                                                    \
	X(test_tts_wav)                                                    \
	X(test_tts_wav_formats)                                            \
	X(test_tts_cache_hit)                                              \
	X(test_tts_cache_shared)                                           \
	X(test_tts_cache_prewarm)                                          \
	X(test_tts_cache_disk)                                             \
	X(test_tts_cache_evict)                                            \
	X(test_tts_cache_fail)                                             \
	X(test_tts_cache_reentry)                                          \
	X(test_tts_cache_engines)                                          \
	X(test_tts_cache_recorded)                                         \
	X(test_asr_numbers)                                                \
	X(test_asr_words)                                                  \
	X(test_asr_grammar)                                                \
	X(test_asr_script_grammars)                                        \
	X(test_asr_conf)                                                   \
	X(test_asr_resample)                                               \
	X(test_asr_pool)                                                   \
	X(test_asr_cache)                                                  \
	X(test_asr_speech_en)                                              \
	X(test_asr_speech_zh)

#define X(n) int n(void);
TEST_LIST
#undef X
